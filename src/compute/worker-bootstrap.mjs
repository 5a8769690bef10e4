// Source-mode entry for the compute worker (CLI, tests): registers the TypeScript loader in this
// thread, then loads the real entry. Built apps start the bundled compute-worker.js directly.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
