/**
 * Counts and times every HTTP request by route, and every GraphQL request by dialect and operation, and serves
 * `GET /metrics`. Mounted on the root server (not inside a plugin), so its hook sees every route.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Db } from '../db/database.ts';
import { refreshQueueGauges } from './queue-gauges.ts';
import { registry } from './registry.ts';
import { SlotCounter, SlotHistogram, type CounterSlot, type HistogramSlot } from './slot-metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** `query orders`, `mutation core.updateOrders`: set once the document is validated (metrics label). */
    graphqlOperation?: string;
  }
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const requests = new SlotCounter({
  name: 'ordergraph_http_requests_total',
  help: 'HTTP requests by route, method and status code',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});
const requestSeconds = new SlotHistogram({
  name: 'ordergraph_http_request_duration_seconds',
  help: 'HTTP request latency by route and method',
  labelNames: ['route', 'method'] as const,
  buckets: BUCKETS,
  registers: [registry],
});
const graphqlSeconds = new SlotHistogram({
  name: 'ordergraph_graphql_request_duration_seconds',
  help: 'GraphQL request latency by endpoint and operation (its type and top-level fields)',
  labelNames: ['endpoint', 'operation'] as const,
  buckets: BUCKETS,
  registers: [registry],
});

/**
 * The label of an operation: its type and root fields (the fulfiller dialect's `core` namespace looked into).
 * Built from field names the schema validated, never from the client's operation name, so it stays bounded.
 */
export function operationLabel(document: DocumentNode, operationName?: string): string {
  const single = operationName === undefined ? labels.get(document) : undefined;
  if (single !== undefined) return single;
  const label = buildLabel(document, operationName);
  if (operationName === undefined) labels.set(document, label);
  return label;
}

// Parsed documents are cached by Mercurius, so a document's label is worked out once.
const labels = new WeakMap<DocumentNode, string>();

function buildLabel(document: DocumentNode, operationName: string | undefined): string {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const op = ops.find((o) => o.name?.value === operationName) ?? ops[0];
  if (!op) return 'unknown';
  const fields: string[] = [];
  for (const s of op.selectionSet.selections) {
    if (s.kind !== 'Field') continue;
    if (s.name.value === 'core' && s.selectionSet) {
      for (const inner of s.selectionSet.selections) if (inner.kind === 'Field') fields.push(`core.${inner.name.value}`);
    } else {
      fields.push(s.name.value);
    }
  }
  const unique = [...new Set(fields)].sort();
  return `${op.operation} ${unique.length > 3 ? `${unique.slice(0, 3).join(',')},…` : unique.join(',')}`;
}

/** One route and method's slots: its duration, and its count by status code. */
interface RouteSlots {
  seconds: HistogramSlot;
  byStatus: Map<number, CounterSlot>;
}
const routeSlots = new Map<string, RouteSlots>();
const operationSlots = new Map<string, HistogramSlot>();

function observe(request: FastifyRequest, status: number, seconds: number): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const method = request.method;
  const key = `${method} ${route}`;
  let slots = routeSlots.get(key);
  if (slots === undefined) {
    slots = { seconds: requestSeconds.slot(key, { route, method }), byStatus: new Map() };
    routeSlots.set(key, slots);
  }
  let counter = slots.byStatus.get(status);
  if (counter === undefined) {
    counter = requests.slot(`${key} ${status}`, { route, method, status: String(status) });
    slots.byStatus.set(status, counter);
  }
  counter.value++;
  requestSeconds.record(slots.seconds, seconds);
  const operation = request.graphqlOperation;
  if (operation === undefined) return;
  const operationKey = `${route} ${operation}`;
  let timer = operationSlots.get(operationKey);
  if (timer === undefined) {
    timer = graphqlSeconds.slot(operationKey, { endpoint: route, operation });
    operationSlots.set(operationKey, timer);
  }
  graphqlSeconds.record(timer, seconds);
}

/** Adds the counting hook to `server` itself (call before registering routes) and the `/metrics` route. */
export function mountMetrics(server: FastifyInstance, db: Db): void {
  // A callback hook: an async one costs a promise on every request.
  server.addHook('onResponse', (request, reply, done) => {
    observe(request, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  server.get('/metrics', async (request, reply) => {
    // The process metrics are worth serving even when the database is not answering.
    await refreshQueueGauges(db.kysely).catch((err) => request.log.warn({ err }, 'metrics: could not read the job queue'));
    return reply.header('Content-Type', registry.contentType).send(await registry.metrics());
  });
}
