/**
 * The event snapshot of the last successful delivery of one webhook for one order and event type, before a given
 * event: what a KornitX status callback already told the retailer (webhooks/kornitx-bodies.ts).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../tables.ts';

export async function lastDeliveredPayload(
  db: Kysely<Database>,
  args: { webhookId: string; orderId: string; type: string; before: number },
): Promise<string | undefined> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
    .select('e.payload')
    .where('d.webhook_id', '=', args.webhookId)
    .where('d.success', '=', 1)
    .where('e.order_id', '=', args.orderId)
    .where('e.type', '=', args.type)
    .where('e.id', '<', args.before)
    .orderBy('e.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.payload;
}
