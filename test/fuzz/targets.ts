/** Every fuzz target, by name (test/fuzz/main.ts runs them; the unit test runs each a little). */
import { BOUNDARY_TARGETS } from './targets-boundary.ts';
import { PROTOCOL_TARGETS } from './targets-protocol.ts';
import type { FuzzTarget } from './runner.ts';
import { STORE_TARGETS } from './targets-store.ts';

export const TARGETS: readonly FuzzTarget[] = [...PROTOCOL_TARGETS, ...BOUNDARY_TARGETS, ...STORE_TARGETS];

export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
