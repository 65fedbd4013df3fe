/**
 * The event feed under write load (#16): one poller follows `events(after, first: 1000)` (cursor, type, date and
 * the body, read when polled) on the shared server while the DRAFT `orderUpdate` load of scenario 3 runs on
 * `connections` connections. The poller starts at the end of the feed, polls again at once while pages are
 * full and after 50 ms when it has caught up, and once the load stops it reads until the feed is empty.
 *
 * Reported: events/s read by the poller during the load (the row's number), the writes/s the load got meanwhile,
 * and how far behind the poller was when the load stopped (events, and the time to catch up). Every event the
 * load wrote must be read exactly once (the load's accepted updates = the poller's `order/updated` events).
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { runLoad } from '../lib/load.ts';
import { createOrders } from '../lib/ordergraph-client.ts';
import { DRAFT_ORDERS, draftUpdates } from './order-update-draft.ts';
import type { Scenario } from './types.ts';

const PAGE = 1000;
const IDLE_MS = 50;
const FEED = `query($after: String) { events(after: $after, first: ${PAGE}) {
  edges { node { cursor header { type date } body } } pageInfo { hasNextPage endCursor } } }`;

interface Page {
  types: string[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export const eventFeedPoller: Scenario = {
  id: 'feed',
  title: 'Event feed: events/s read by one poller on events(after) during the DRAFT orderUpdate load',
  databases: ['sqlite', 'postgres'],
  async run(env) {
    const server = await env.server();
    const orders = await createOrders(server.origin, server.merchantToken, DRAFT_ORDERS, 'DRAFT');
    const pool = new Pool(server.origin, { connections: 1, pipelining: 1, keepAliveTimeout: 60_000 });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${server.merchantToken}` };
    const page = async (after: string | null): Promise<Page> => {
      const res = await pool.request({ path: '/graphql', method: 'POST', headers, body: JSON.stringify({ query: FEED, variables: { after } }) });
      const body = (await res.body.json()) as { data?: { events: any }; errors?: unknown };
      if (res.statusCode !== 200 || !body.data) throw new Error(`events failed: HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 300)}`);
      const { edges, pageInfo } = body.data.events;
      return { types: edges.map((e: any) => e.node.header.type), endCursor: pageInfo.endCursor, hasNextPage: pageInfo.hasNextPage };
    };
    try {
      // Start at the end of the feed: what the set-up and earlier scenarios wrote is not part of the measurement.
      let cursor: string | null = null;
      for (let p = await page(null); ; p = await page(cursor)) {
        cursor = p.endCursor ?? cursor;
        if (!p.hasNextPage) break;
      }
      let read = 0;
      let updates = 0;
      let polls = 0;
      let loading = true;
      const poll = async () => {
        for (;;) {
          const p = await page(cursor);
          polls++;
          cursor = p.endCursor ?? cursor;
          read += p.types.length;
          updates += p.types.filter((t) => t === 'order/updated').length;
          if (p.hasNextPage) continue;
          if (!loading && p.types.length === 0) return;
          await new Promise((r) => setTimeout(r, IDLE_MS));
        }
      };
      const { settings } = env;
      env.log(`  one poller (first: ${PAGE}) during ${settings.durationMs / 1000} s of DRAFT orderUpdates on ${settings.connections} connections`);
      const poller = poll();
      const t0 = performance.now();
      const load = await runLoad({ origin: server.origin, connections: settings.connections, durationMs: settings.durationMs, ...draftUpdates(server.merchantToken, orders, 'feed'), serverPid: server.pid });
      const loadMs = performance.now() - t0;
      const readDuringLoad = read;
      loading = false;
      await poller;
      const catchUpMs = performance.now() - t0 - loadMs;
      const notes = [
        `${load.ok} updates accepted (${round(load.rps)}/s while polled); the poller read ${readDuringLoad} events during the load in ${polls} polls, ` +
          `${read - readDuringLoad} behind when it stopped, caught up ${Math.round(catchUpMs)} ms later`,
      ];
      if (updates !== load.ok) notes.push(`MISMATCH: ${updates} order/updated events read for ${load.ok} accepted updates`);
      if (load.failed > 0) notes.push(`${load.failed} updates failed, e.g. ${load.errors[0]}`);
      return [
        {
          scenario: this.id,
          title: this.title,
          db: env.dbKind,
          rps: readDuringLoad / (loadMs / 1000),
          unit: 'events/s',
          details: {
            eventsReadDuringLoad: readDuringLoad,
            eventsReadTotal: read,
            polls,
            loadMs: Math.round(loadMs),
            catchUpMs: Math.round(catchUpMs),
            updatesAccepted: load.ok,
            updatesPerSecond: round(load.rps),
            updateEventsRead: updates,
            latencyMs: load.latencyMs,
            serverCpuPct: load.serverCpuPct,
          },
          notes,
        },
      ];
    } finally {
      await pool.destroy().catch(() => {});
    }
  },
};
