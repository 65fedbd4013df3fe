/**
 * A webhook's health, derived from two columns: `enabled`, and `consecutive_failures` (reset by every
 * successful delivery). A delivery that is given up sets the count to at least FAILING_AFTER, so the webhook
 * shows FAILING until the endpoint accepts a delivery again.
 */
export type WebhookHealth = 'HEALTHY' | 'DEGRADED' | 'FAILING' | 'DISABLED';

/** Consecutive failed attempts from which a webhook is FAILING rather than DEGRADED. */
export const FAILING_AFTER = 5;

export function webhookHealth(row: { enabled: number; consecutive_failures: number }): WebhookHealth {
  if (row.enabled !== 1) return 'DISABLED';
  if (row.consecutive_failures <= 0) return 'HEALTHY';
  return row.consecutive_failures >= FAILING_AFTER ? 'FAILING' : 'DEGRADED';
}
