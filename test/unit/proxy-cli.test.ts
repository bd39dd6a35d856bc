// The proxy CLI as a process: startup line, health, SIGTERM -> exit 0, bad flags -> exit 2.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('../../proxy/main.ts', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

describe('proxy CLI', () => {
  it('prints where it listens, serves /health, exits 0 on SIGTERM', async () => {
    const p = run(['--port', '0', '--allow-port', '9736'], { GLINT_PROXY_LOG_LEVEL: 'info' });
    const line = await new Promise<string>((resolve) => {
      createInterface({ input: p.child.stdout }).once('line', resolve);
    });
    const m = /^glint-proxy listening on ws:\/\/127\.0\.0\.1:(\d+)\/v1\//.exec(line);
    expect(m, line).not.toBeNull();
    const res = await fetch(`http://127.0.0.1:${m?.[1]}/health`);
    expect(await res.text()).toBe('ok');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const records = p.stderr().trim().split('\n').map((l) => JSON.parse(l) as { event: string; allowPorts?: number[] });
    expect(records.map((r) => r.event)).toEqual(['listening', 'shutdown']);
    expect(records[0]?.allowPorts).toEqual([9735, 9736]);
  });

  it('exits 2 naming the bad flag', async () => {
    const p = run(['--max-per-ip', 'lots']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toBe('glint-proxy: --max-per-ip: expected an integer from 1 to 1000000, got "lots"\n');
  });
});
