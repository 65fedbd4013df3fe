/**
 * The HTTP request one event becomes for one webhook, by the webhook's format (webhook-formats.ts): method,
 * body, the webhook's extra headers, and the signature. Null when the format sends nothing for the event
 * (a KORNITX webhook gets only its order pushes or status callbacks).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.ts';
import { lastDeliveredPayload } from '../db/sql/last-delivered-payload.ts';
import { loadFulfillerOrder } from '../orders/fulfiller-queries.ts';
import { fulfillerOrder } from '../api/fulfiller/order-view.ts';
import { envelopeRequest, kornitxRequest, type DeliveredEvent, type OutgoingRequest, type WebhookFormat } from './webhook-formats.ts';
import {
  ORDER_PUSH_TYPES,
  SHIPMENT_CREATED,
  STATUS_CALLBACK_TYPES,
  STATUS_CHANGE,
  shipmentCallback,
  statusCallback,
  type OrderSnapshot,
  type ShipmentSnapshot,
} from './kornitx-bodies.ts';
import { statusName } from '../orders/status-transitions.ts';
import type { WebhookRow } from './webhook-subscriptions.ts';

const USER_AGENT = 'Ordergraph-Webhooks/1.0';

/** The secrets a delivery is signed with now: the current one, and the previous one during a rotation. */
export function signingSecrets(webhook: WebhookRow, now: number = Date.now()): string[] {
  const previousValid =
    webhook.previous_secret && webhook.previous_secret_expires_at && Date.parse(webhook.previous_secret_expires_at) > now;
  return previousValid ? [webhook.secret, webhook.previous_secret!] : [webhook.secret];
}

/** The webhook's extra headers, a user-agent unless it set one, the content type, then the format's own. */
function withHeaders(webhook: WebhookRow, request: OutgoingRequest): OutgoingRequest {
  const custom = JSON.parse(webhook.headers) as Record<string, string>;
  const hasUserAgent = Object.keys(custom).some((k) => k.toLowerCase() === 'user-agent');
  request.headers = {
    ...custom,
    ...(hasUserAgent ? {} : { 'user-agent': USER_AGENT }),
    'content-type': 'application/json',
    ...request.headers,
  };
  return request;
}

/** The envelope formats' request (STANDARD, HAPPYCOLIS): no database work. */
export function buildMessage(webhook: WebhookRow, event: DeliveredEvent, now: number = Date.now()): OutgoingRequest {
  const format = webhook.format as WebhookFormat;
  return withHeaders(webhook, envelopeRequest({ webhookId: webhook.id, format, secrets: signingSecrets(webhook, now), event, now }));
}

export async function buildRequest(db: Kysely<Database>, webhook: WebhookRow, event: DeliveredEvent, now: number = Date.now()): Promise<OutgoingRequest | null> {
  if (webhook.format !== 'KORNITX') return buildMessage(webhook, event, now);
  const org = await db.selectFrom('organizations').select('kind').where('id', '=', webhook.organization_id).executeTakeFirst();
  if (org?.kind === 'SUPPLIER') {
    if (!ORDER_PUSH_TYPES.includes(event.type)) return null;
    // The event's body is the delivery order routed to this supplier; the push is its fulfiller Order, read now.
    const { id } = JSON.parse(event.payload) as { id: string };
    const record = await loadFulfillerOrder(db, id);
    if (!record) return null;
    return withHeaders(webhook, kornitxRequest('POST', webhook.id, event, fulfillerOrder(record.deliveryOrder, record.order), webhook.secret));
  }
  if (!STATUS_CALLBACK_TYPES.includes(event.type) || !event.order_id) return null;
  let body: unknown;
  if (event.type === SHIPMENT_CREATED) {
    const order = await currentOrder(db, event.order_id);
    if (!order) return null;
    body = shipmentCallback(order, JSON.parse(event.payload) as ShipmentSnapshot);
  } else {
    const previous = await lastDeliveredPayload(db, { webhookId: webhook.id, orderId: event.order_id, type: STATUS_CHANGE, before: event.id });
    body = statusCallback(JSON.parse(event.payload) as OrderSnapshot, previous ? (JSON.parse(previous) as OrderSnapshot) : undefined);
  }
  return withHeaders(webhook, kornitxRequest('PUT', webhook.id, event, body, webhook.secret));
}

/** The order's status fields as they are now (a shipment's callback reports the status the parcel left it in). */
async function currentOrder(db: Kysely<Database>, orderId: string): Promise<OrderSnapshot | undefined> {
  const row = await db
    .selectFrom('orders')
    .select(['id', 'number', 'external_reference', 'state', 'status', 'shipping_carrier', 'shipping_method', 'shipping_tracking'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    number: row.number,
    externalReference: row.external_reference,
    status: row.status,
    statusName: statusName(row.status),
    shippingCarrier: row.shipping_carrier,
    shippingMethod: row.shipping_method,
    shippingTracking: row.shipping_tracking,
  };
}
