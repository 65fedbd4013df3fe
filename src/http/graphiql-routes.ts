/**
 * GraphiQL for each GraphQL dialect (`/graphiql`, `/fulfiller/graphiql`), working without network access: the page,
 * its script and styles, and the UMD builds of React, ReactDOM and GraphiQL are all served by this server, the
 * libraries from their npm packages. Mounted only when introspection is on (GraphiQL reads the schema by it). A
 * person signed in to the dashboard finds a token of their own in the page's token field (graphiql-token.ts).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { GRAPHIQL_TOKEN_PATH } from './graphiql-token.ts';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const GRAPHIQL_ASSETS = '/graphiql/assets';

/** A file of an installed package (read by path: the UMD builds are not in the packages' `exports`). */
const packageFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

/** Asset name → file and media type. Versions are the installed packages' (react 18 is the last with UMD builds). */
const assets: Record<string, { file: string; type: string }> = {
  'react.production.min.js': { file: packageFile('react', 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: packageFile('react-dom', 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { file: packageFile('graphiql', 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: packageFile('graphiql', 'graphiql.min.css'), type: 'text/css' },
  'page.js': { file: path.join(here, 'graphiql', 'page.js'), type: 'text/javascript' },
  'page.css': { file: path.join(here, 'graphiql', 'page.css'), type: 'text/css' },
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function graphiqlPage(endpoint: string, title: string): string {
  const a = (name: string) => `${GRAPHIQL_ASSETS}/${name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <link rel="icon" href="data:,">
  <title>${escapeHtml(title)} — GraphiQL</title>
  <link rel="stylesheet" href="${a('graphiql.min.css')}">
  <link rel="stylesheet" href="${a('page.css')}">
</head>
<body>
  <form id="token-form">
    <label for="token">Access token</label>
    <input id="token" name="token" autocomplete="off" spellcheck="false" placeholder="paste an access token: sent as Authorization: Bearer …">
    <button type="submit">Use token</button>
    <small>Get one with <code>curl -u CLIENT_ID:CLIENT_SECRET -d grant_type=client_credentials ${escapeHtml('<server>')}/oauth/token</code>, or sign in to the <a href="/dashboard">dashboard</a> and reload</small>
  </form>
  <p id="token-note" role="status"></p>
  <div id="graphiql" data-endpoint="${escapeHtml(endpoint)}" data-session-token="${GRAPHIQL_TOKEN_PATH}">Loading GraphiQL…</div>
  <script src="${a('react.production.min.js')}"></script>
  <script src="${a('react-dom.production.min.js')}"></script>
  <script src="${a('graphiql.min.js')}"></script>
  <script src="${a('page.js')}"></script>
</body>
</html>
`;
}

// Everything the page loads comes from here (GraphiQL's editors set inline styles; nothing needs eval).
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'none'";

/** The pages (`<prefix>/graphiql` for each endpoint prefix) and the shared assets. */
export async function graphiqlRoutes(app: FastifyInstance, opts: { endpoints: { prefix: string; title: string }[] }): Promise<void> {
  for (const e of opts.endpoints) {
    const html = graphiqlPage(`${e.prefix}/graphql`, e.title);
    app.get(`${e.prefix}/graphiql`, async (_request, reply) =>
      reply.header('Content-Type', 'text/html; charset=utf-8').header('Content-Security-Policy', CSP).header('Cache-Control', 'no-cache').send(html),
    );
  }
  const cache = new Map<string, Buffer>();
  app.get(`${GRAPHIQL_ASSETS}/:name`, async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) return reply.code(404).send({ errors: [{ message: `no GraphiQL asset ${name}`, extensions: { code: 'NOT_FOUND' } }] });
    let body = cache.get(name);
    if (!body) {
      body = await fs.promises.readFile(asset.file);
      cache.set(name, body);
    }
    return reply.header('Content-Type', `${asset.type}; charset=utf-8`).header('Cache-Control', 'public, max-age=3600').send(body);
  });
}
