// The writer thread's entry: registers tsx's loader in this thread (bin/ordergraph.js does it for the main one).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
