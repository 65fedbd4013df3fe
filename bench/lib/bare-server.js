// The baseline: a bare node:http server that reads a small JSON POST body, parses it and answers a small JSON
// object, on keep-alive connections. It is the ceiling for "a Node HTTP server on this machine, right now"; every
// scenario is reported as a ratio to it. Plain JavaScript (no tsx) so nothing but node:http is on its path.
import { sendJson, serveBare } from './bare-http.js';

serveBare('bare', (text, res) => {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    sendJson(res, 400, '{"error":"bad json"}');
    return;
  }
  sendJson(res, 200, JSON.stringify({ data: { echo: typeof parsed.query === 'string' ? parsed.query.length : 0 } }));
});
