/**
 * THE SCENARIO LIST. `npm run bench` runs SCENARIOS in this order (those that make sense on the chosen
 * database). To add one: write `bench/scenarios/<name>.ts` exporting a `Scenario` (see types.ts and the
 * existing ones: use `env.server()` for the shared demo server, `env.ownServer()` for a fresh one,
 * `env.measureBare()` right before an HTTP measurement, `warmAndMeasure` + `httpRow` for the row), add it
 * here, move its entry out of PLANNED, and describe it in docs/benchmarks.md.
 */
import { asyncRequests } from './async-requests.ts';
import { createShipmentsScenario } from './create-shipments.ts';
import { eventFeedPoller } from './event-feed-poller.ts';
import { fulfillerBulk } from './fulfiller-bulk.ts';
import { orderUpdateDraft } from './order-update-draft.ts';
import { tokenEndpoint } from './token-endpoint.ts';
import type { PlannedScenario, Scenario } from './types.ts';
import { viewerQuery } from './viewer-query.ts';
import { webhookDeliveries } from './webhook-deliveries.ts';
import { webhookLatency } from './webhook-latency.ts';

export const SCENARIOS: Scenario[] = [
  tokenEndpoint,
  viewerQuery,
  orderUpdateDraft,
  eventFeedPoller,
  fulfillerBulk,
  createShipmentsScenario,
  asyncRequests,
  webhookDeliveries,
  webhookLatency,
];

/** Not written yet; shown by `npm run bench -- --list`. */
export const PLANNED: PlannedScenario[] = [];
