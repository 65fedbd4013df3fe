/**
 * Reads the webhook and the event of each of a batch of delivery jobs in one statement
 * (webhooks/webhook-delivery-batch.ts), one row per (webhook, event) pair in the order given; either side is
 * null when gone. The text is fixed whatever the batch size (PostgreSQL `unnest` of two arrays, SQLite
 * `json_each`), so it is parsed and planned once.
 */
import type { Selectable } from 'kysely';
import type { Db } from '../database.ts';
import type { OutboxEventTable, WebhookTable } from '../tables.ts';
import { runSql } from '../run-sql.ts';
import { statementName } from '../pg-driver.ts';

export type WebhookRow = Selectable<WebhookTable>;
export type DeliveryEventRow = Pick<Selectable<OutboxEventTable>, 'id' | 'organization_id' | 'order_id' | 'type' | 'payload' | 'created_at'>;

export interface LoadedPair {
  webhook: WebhookRow | undefined;
  event: DeliveryEventRow | undefined;
}

export const EVENT_COLUMNS = `e.id AS event_id, e.organization_id AS event_organization_id, e.order_id AS event_order_id, e.type AS event_type,
  e.payload AS event_payload, e.created_at AS event_created_at`;

export const PG_LOAD = `SELECT w.*, ${EVENT_COLUMNS}
  FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS p(webhook_id, event_id, ord)
  LEFT JOIN webhooks w ON w.id = p.webhook_id
  LEFT JOIN outbox_events e ON e.id = p.event_id
  ORDER BY p.ord`;

const SQLITE_LOAD = `SELECT w.*, ${EVENT_COLUMNS}
  FROM json_each(?) p
  LEFT JOIN webhooks w ON w.id = p.value ->> 0
  LEFT JOIN outbox_events e ON e.id = p.value ->> 1
  ORDER BY p.key`;

/** The event's columns of a loaded row (EVENT_COLUMNS), null when the event is gone. */
export interface EventColumns {
  event_id: number | null;
  event_organization_id: string | null;
  event_order_id: string | null;
  event_type: string | null;
  event_payload: string | null;
  event_created_at: string | null;
}

type Row = Partial<WebhookRow> & EventColumns;

export async function loadDeliveries(db: Db, pairs: readonly { webhookId: string; eventId: number }[]): Promise<LoadedPair[]> {
  const { rows } =
    db.kind === 'postgres'
      ? await runSql<Row>(db.kysely, PG_LOAD, [pairs.map((p) => p.webhookId), pairs.map((p) => p.eventId)], statementName(PG_LOAD))
      : await runSql<Row>(db.kysely, SQLITE_LOAD, [JSON.stringify(pairs.map((p) => [p.webhookId, p.eventId]))]);
  return rows.map(({ event_id, event_organization_id, event_order_id, event_type, event_payload, event_created_at, ...webhook }) =>
    loadedPair(webhook.id == null ? undefined : (webhook as WebhookRow), { event_id, event_organization_id, event_order_id, event_type, event_payload, event_created_at }),
  );
}

/** A webhook row (or none) and the event columns of a loaded row as a LoadedPair. */
export function loadedPair(webhook: WebhookRow | null | undefined, e: EventColumns): LoadedPair {
  return {
    webhook: webhook ?? undefined,
    event:
      e.event_id == null
        ? undefined
        : {
            id: Number(e.event_id),
            organization_id: e.event_organization_id!,
            order_id: e.event_order_id,
            type: e.event_type!,
            payload: e.event_payload!,
            created_at: e.event_created_at!,
          },
  };
}
