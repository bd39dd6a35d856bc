/**
 * The client side of `glint run`'s local API (cli/api-server.ts). A command first tries the
 * running node named by `<data>/api.json`; when there is none — no file, an unreadable file, the
 * port refuses the connection, or the server there does not know our token (a stale file from a
 * crashed run, the port reused) — it answers `NO_API` and the command runs the node in-process,
 * where the store lock decides whether that is allowed.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';

export const API_FILE_NAME = 'api.json';

/** The command should run the node in-process. */
export const NO_API: unique symbol = Symbol('no running glint');

export interface ApiFileContents {
  readonly port: number;
  readonly token: string;
  readonly pid?: number;
}

/** `<dir>/api.json`, or undefined when it is missing or not a valid API file. */
export async function readApiFile(dir: string): Promise<ApiFileContents | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, API_FILE_NAME), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 1 || v.port > 65535) return undefined;
    if (typeof v.token !== 'string' || !/^[0-9a-f]{64}$/.test(v.token)) return undefined;
    return { port: v.port, token: v.token, ...(typeof v.pid === 'number' ? { pid: v.pid } : {}) };
  } catch {
    return undefined;
  }
}

export interface ApiCall {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  /** Default 60 s; `open` and `close` pass longer. */
  readonly timeoutMs?: number;
}

/** One raw HTTP exchange with the API (exported for the tests). */
export function apiRequest(port: number, token: string | undefined, call: ApiCall): Promise<{ status: number; json: unknown }> {
  const body = call.body === undefined ? undefined : JSON.stringify(call.body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: call.method,
        path: call.path,
        headers: {
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
        timeout: call.timeoutMs ?? 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text.trim() === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the running glint did not answer within ${call.timeoutMs ?? 60_000} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * Ask the `glint run` of `dir`. Resolves with its JSON answer, or NO_API when no node is running
 * there; rejects with the API's `error` text when the node refused the command.
 */
export async function callRunningNode(dir: string, call: ApiCall): Promise<unknown> {
  const file = await readApiFile(dir);
  if (!file) return NO_API;
  let answer: { status: number; json: unknown };
  try {
    answer = await apiRequest(file.port, file.token, call);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return NO_API;
    throw new Error(`the running glint (api.json, port ${file.port}) failed: ${(err as Error).message}`);
  }
  if (answer.status === 401) return NO_API; // not the node that wrote api.json: a stale file
  if (answer.status >= 200 && answer.status < 300) return answer.json;
  const error = answer.json && typeof answer.json === 'object' && typeof (answer.json as { error?: unknown }).error === 'string' ? (answer.json as { error: string }).error : `HTTP ${answer.status}`;
  throw new Error(error);
}
