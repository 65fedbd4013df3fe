/** Where things are, for helpers that spawn the `ordergraph` command. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ORDERGRAPH_BIN = path.join(REPO_ROOT, 'bin/ordergraph.js');
