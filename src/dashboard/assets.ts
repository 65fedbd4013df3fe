/**
 * The dashboard's two static files, read once at start: htmx from its npm package (no CDN, no build step) and the
 * stylesheet. Served with a version in the URL, so browsers may keep them for a year.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const htmxPath = require.resolve('htmx.org/dist/htmx.min.js');
const htmxVersion: string = require('htmx.org/package.json').version;
const files = {
  [`htmx-${htmxVersion}.min.js`]: { type: 'text/javascript; charset=utf-8', body: fs.readFileSync(htmxPath) },
  'dashboard.css': { type: 'text/css; charset=utf-8', body: fs.readFileSync(path.join(here, 'dashboard.css')) },
};

export const HTMX_URL = `/dashboard/assets/htmx-${htmxVersion}.min.js`;
export const CSS_URL = '/dashboard/assets/dashboard.css';

export function assetRoutes(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const file = files[request.params.name];
    if (!file) return reply.code(404).type('text/plain').send('no such asset');
    const cache = request.params.name.startsWith('htmx-') ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
    return reply.type(file.type).header('cache-control', cache).send(file.body);
  });
}
