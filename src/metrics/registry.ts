/**
 * The Prometheus registry and the metrics other modules count into (`jobs/`, `webhooks/`). Kept apart from the
 * HTTP layer so that background code does not import the server to count what it does.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const jobsProcessed = new client.Counter({
  name: 'ordergraph_jobs_total',
  help: 'Background jobs run, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const webhookDeliverySeconds = new client.Histogram({
  name: 'ordergraph_webhook_delivery_seconds',
  help: 'Webhook delivery attempts by outcome, with their duration',
  labelNames: ['outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
