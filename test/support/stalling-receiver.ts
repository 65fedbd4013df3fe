/**
 * A webhook endpoint on 127.0.0.1 that never completes an answer, as a broken or hostile tenant's receiver would:
 * `hang` reads the request and never answers; `drip` sends a 200 status line and then one body byte a second,
 * never ending. It counts the requests it holds open now and the most it held at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallingReceiver {
  readonly url: string;
  /** Requests received in all. */
  readonly received: number;
  /** Requests open now, and the most open at once. */
  readonly open: number;
  readonly maxOpen: number;
  stop(): Promise<void>;
}

/** Requests open at once across several receivers (pass one to each). */
export interface OpenGauge {
  open: number;
  maxOpen: number;
}

export async function startStallingReceiver(mode: 'hang' | 'drip', shared: OpenGauge = { open: 0, maxOpen: 0 }): Promise<StallingReceiver> {
  let received = 0;
  let open = 0;
  let maxOpen = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    received++;
    // Counted a turn of the event loop late, and no longer counted once the client's end of the socket is read:
    // when the server drops one delivery and sends the next at once, both reach this process in one loop turn,
    // and counting the new one before the old one's close would see one more open than the server ever had.
    let state: 'pending' | 'open' | 'closed' = 'pending';
    const close = () => {
      if (state === 'open') {
        open--;
        shared.open--;
      }
      state = 'closed';
    };
    req.socket.once('end', close);
    res.once('close', close);
    setImmediate(() => {
      if (state !== 'pending') return;
      state = 'open';
      open++;
      maxOpen = Math.max(maxOpen, open);
      shared.open++;
      shared.maxOpen = Math.max(shared.maxOpen, shared.open);
    });
    req.resume();
    if (mode === 'hang') return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 1000);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return received;
    },
    get open() {
      return open;
    },
    get maxOpen() {
      return maxOpen;
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
