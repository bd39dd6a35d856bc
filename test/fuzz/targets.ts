/** Every fuzz target, by name (test/fuzz/main.ts runs them; the unit test runs each a little). */
import { BOUNDARY_TARGETS } from './targets-boundary.ts';
import { CLI_TARGETS } from './targets-cli.ts';
import { PROTOCOL_TARGETS } from './targets-protocol.ts';
import type { FuzzTarget } from './runner.ts';
import { STORE_TARGETS } from './targets-store.ts';
import { TRANSPORT_TARGETS } from './targets-transport.ts';

export const TARGETS: readonly FuzzTarget[] = [...PROTOCOL_TARGETS, ...TRANSPORT_TARGETS, ...BOUNDARY_TARGETS, ...CLI_TARGETS, ...STORE_TARGETS];

export function targetNamed(name: string): FuzzTarget | undefined {
  return TARGETS.find((t) => t.name === name);
}
