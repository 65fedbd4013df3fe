// The bare baseline's HTTP handling, shared by bare-server.js and raw-draft-server.js so that the floor runs
// behind exactly the baseline's server: node:http on keep-alive connections, GET answers a health check, a POST
// body is read whole and handed to `onBody(text, res)`. Plain JavaScript: nothing but node:http on the path.
import http from 'node:http';

/** Answers `res` with a small JSON text, as the baseline does. */
export function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Listens on PORT/HOST; `name` goes into the line printed once listening; `onClose` runs on SIGINT/SIGTERM. */
export function serveBare(name, onBody, onClose = () => {}) {
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
    req.on('end', () => onBody(Buffer.concat(chunks).toString('utf8'), res));
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, host, () => process.stdout.write(`${name} listening on http://${host}:${port}\n`));
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () =>
      server
        .close(() => {
          onClose();
          process.exit(0);
        })
        .closeAllConnections(),
    );
  }
}
