/**
 * Entry point of the PWA (main thread): start the node worker, mount the UI, register the
 * service worker. The UI talks to the node only through the RPC client.
 */
import { mount } from 'svelte';
import { startNodeWorker } from '../workers/rpc/client.ts';
import { NodeState } from './state/node.svelte.ts';
import { pwa } from './state/pwa.svelte.ts';
import App from './App.svelte';
import './app.css';

const node = new NodeState(startNodeWorker());
void node.start();

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { node } });

pwa.register();
