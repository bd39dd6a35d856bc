/**
 * Entry point of the PWA (main thread): start the node worker, mount the UI, register the
 * service worker. The UI talks to the node only through the RPC client.
 */
import { mount } from 'svelte';
import { startNodeWorker } from '../workers/rpc/client.ts';
import { NodeState } from './state/node.svelte.ts';
import { WalletState } from './state/wallet.svelte.ts';
import { ChannelsState } from './state/channels.svelte.ts';
import { PaymentsState } from './state/payments.svelte.ts';
import { pwa } from './state/pwa.svelte.ts';
import { backup } from './state/backup.svelte.ts';
import { applyDeployDefaults } from './lib/deploy-defaults.ts';
import { launchPaymentText } from './lib/launch-payment.ts';
import { inFlightPayments } from './lib/in-flight.ts';
import App from './App.svelte';
import './app.css';

const client = startNodeWorker();
const node = new NodeState(client);
const wallet = new WalletState(client);
const channels = new ChannelsState(client);
const payments = new PaymentsState(client);
backup.attach(client);
void node.start();
void wallet.start();
void channels.start();
void payments.start();

// The node came to run here later ("Use here" took the wallet over from another tab): load what
// the states skipped while it ran elsewhere.
node.onResumed((info) => {
  void wallet.start(info);
  void channels.start(info);
  void payments.start(info);
});

// A payment handed over by a share (Web Share Target) or a `bitcoin:` / `web+lightning:` link
// (manifest protocol_handlers): the Send screen opens with it, after unlocking if need be. The
// query is dropped so a reload does not hand it over again.
const launched = launchPaymentText(location.search);
if (launched !== null) {
  pwa.launchPayment = launched;
  history.replaceState(null, '', `${location.pathname}#/wallet/send`);
}
// An update never reloads this page while a payment is in flight (app/lib/update-policy.ts).
pwa.trackInFlight(() => inFlightPayments(payments.list).length);

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
// The forms read their prefills (the deployment's proxy and suggested peer) when the app mounts.
// index.html paints a splash until then (the config fetch waits up to 1.5 s on a slow network).
void applyDeployDefaults().finally(() => {
  try {
    mount(App, { target, props: { node, wallet, channels, payments } });
  } finally {
    document.getElementById('splash')?.remove();
  }
});

pwa.register();
