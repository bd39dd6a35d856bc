// CLI entry: `npm run proxy -- [options]`. Parses flags and GLINT_PROXY_* environment variables,
// starts the proxy, and shuts down cleanly on SIGINT/SIGTERM (exit 0).

import { helpText, OptionsError, parseCli } from './options.ts';
import { startProxy } from './server.ts';

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof OptionsError) {
      process.stderr.write(`glint-proxy: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (cli.help) {
    process.stdout.write(helpText());
    return;
  }

  const proxy = await startProxy(cli.options);
  const host = cli.options.host ?? '127.0.0.1';
  const shown = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`glint-proxy listening on ws://${shown}:${proxy.port}/v1/<host with . as _>/<port>\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`glint-proxy: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    proxy.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`glint-proxy: error during shutdown: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  const msg = e.code === 'EADDRINUSE' ? `address already in use (${e.message})` : (e.message ?? String(err));
  process.stderr.write(`glint-proxy: ${msg}\n`);
  process.exit(1);
});
