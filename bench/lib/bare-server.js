// The baseline: a bare node:http server that reads a small JSON POST body, parses it and answers a small JSON
// object, on keep-alive connections. It is the ceiling for "a Node HTTP server on this machine, right now"; every
// scenario is reported as a ratio to it. Plain JavaScript (no tsx) so nothing but node:http is on its path.
import http from 'node:http';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let parsed;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"bad json"}');
      return;
    }
    const body = JSON.stringify({ data: { echo: typeof parsed.query === 'string' ? parsed.query.length : 0 } });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => process.stdout.write(`bare listening on http://${host}:${port}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)).closeAllConnections());
