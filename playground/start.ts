/**
 * `npm start [-- flags]`: the local Lightning playground (playground.ts). Flags and their
 * environment fallbacks are in options.ts (`npm start -- --help`). Ctrl-C stops everything.
 */
import { parsePlaygroundArgs, playgroundUsage, PlaygroundUsageError } from './options.ts';
import { startPlayground, summary } from './playground.ts';

async function main(): Promise<void> {
  const opts = parsePlaygroundArgs(process.argv.slice(2), process.env);
  if (opts.help) return void process.stdout.write(playgroundUsage());
  console.log(`ports: app ${opts.appPort}, proxy ${opts.proxyPort}, esplora ${opts.esploraPort}, hub ${opts.hubPort}, shop ${opts.shopPort} on ${opts.host} (see --help)`);
  const playground = await startPlayground({ ...opts, progress: (line) => console.log(line), ...(process.env.GLINT_PLAYGROUND_LOG === '1' ? { onLog: (l: string) => console.log(l) } : {}) });
  console.log(summary(playground));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    void playground.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`npm start: ${err instanceof PlaygroundUsageError || err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof PlaygroundUsageError ? 2 : 1);
});
