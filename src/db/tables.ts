/**
 * Row types of every table, as Kysely sees them. Timestamps are ISO 8601 UTC strings and JSON is text on both
 * databases, so one set of queries serves SQLite and PostgreSQL alike.
 */
import type { Generated, Kysely, Transaction } from 'kysely';

export interface OrganizationTable {
  id: string;
  name: string;
  kind: 'MERCHANT' | 'SUPPLIER';
  default_supplier_id: string | null;
  created_at: string;
}

/** A supplier an admin connected to a merchant: its orders may be routed there (organizations/supplier-routing.ts). */
export interface SupplierConnectionTable {
  merchant_id: string;
  supplier_id: string;
  created_at: string;
}

export interface ClientTable {
  id: string;
  organization_id: string;
  name: string;
  secret_hash: string;
  /** Space-separated scopes. */
  scopes: string;
  /** JSON array of organization ids the client may act on besides its own. */
  access: string;
  revoked_at: string | null;
  created_at: string;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
  /** When the last token this key signed (or may sign before the next extension) expires; null: none yet. */
  signed_until: string | null;
}

export interface RevokedTokenTable {
  jti: string;
  expires_at: string;
  revoked_at: string;
}

export interface OrderTable {
  id: string;
  number: Generated<number>;
  organization_id: string;
  supplier_id: string | null;
  external_reference: string | null;
  state: 'DRAFT' | 'OPENED' | 'COMPLETED';
  status: number;
  invoice_number: string | null;
  type: string | null;
  dispatching_type: string | null;
  priority: string | null;
  inventory_policy: string | null;
  total: number | null;
  total_tax_inclusive: number | null;
  total_shipping: number | null;
  currency: string | null;
  issued_at: string | null;
  /** JSON of the Delivery object, or null. */
  delivery: string | null;
  comment: string | null;
  shipping_carrier: string | null;
  shipping_method: string | null;
  shipping_tracking: string | null;
  locked: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface OrderLineTable {
  id: Generated<number>;
  order_id: string;
  organization_id: string;
  position: number;
  sku: string | null;
  label: string | null;
  quantity: number;
  price: number | null;
  vat_rate: number | null;
  status: string;
  /** The delivery order the line is part of, once the order is opened. */
  delivery_order_id: string | null;
  /** The supplier the merchant routed this line to (else the order's, else the merchant's default). */
  supplier_id: string | null;
  /** Units shipped. */
  fulfilled_quantity: Generated<number>;
}

/** One supplier's part of an opened order (migration 006). */
export interface DeliveryOrderTable {
  id: string;
  /** The fulfiller's order id: the order's number for a single-supplier order, else a fresh one from the same sequence. */
  number: number;
  order_id: string;
  organization_id: string;
  supplier_id: string;
  state: 'PENDING' | 'OPENED' | 'COMPLETED' | 'REJECTED';
  status: number;
  locked: number;
  shipping_carrier: string | null;
  shipping_method: string | null;
  shipping_tracking: string | null;
  reason: string | null;
  reason_code: string | null;
  /** The delivery order that replaced this REJECTED one; set, it no longer counts in the roll-up. */
  rerouted_to: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

/** One parcel of a delivery order (migration 020). */
export interface ShipmentTable {
  id: string;
  delivery_order_id: string;
  delivery_order_number: number;
  order_id: string;
  /** The merchant organization. */
  organization_id: string;
  supplier_id: string;
  carrier: string | null;
  method: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  reference: string | null;
  /** Kilograms. */
  weight: number | null;
  shipped_at: string;
  state: 'OPENED' | 'COMPLETED';
  /** The carrier event with the latest date (NEW until the carrier reports one). */
  last_event: string;
  last_event_at: string;
  client_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The units of one line in a shipment. */
export interface ShipmentItemTable {
  shipment_id: string;
  line_id: number;
  quantity: number;
}

/** A carrier event of a shipment, and who recorded it. */
export interface ShipmentEventTable {
  id: string;
  shipment_id: string;
  organization_id: string;
  event: string;
  date: string;
  message: string | null;
  location: string | null;
  city: string | null;
  country: string | null;
  client_id: string | null;
  request_id: string | null;
  created_at: string;
}

export interface OrderEventTable {
  id: Generated<number>;
  order_id: string;
  organization_id: string;
  client_id: string | null;
  request_id: string | null;
  action: string;
  /** JSON: { field: { from, to } }. */
  changes: string;
  created_at: string;
  /** Set when the change was one of a delivery order's. */
  delivery_order_id: Generated<string | null>;
}

export interface DispatchableRequestTable {
  id: string;
  organization_id: string;
  order_id: string;
  type: string;
  state: 'PENDING' | 'ACCEPTED' | 'REJECTED';
  message: string | null;
  /** JSON of the change to apply (the validated input). */
  payload: string;
  client_id: string | null;
  request_id: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface JobTable {
  id: Generated<number>;
  kind: string;
  /** Jobs sharing a key run one at a time, oldest first. */
  queue_key: string | null;
  /** The group it is capped with (a webhook's deliveries: `wh:<webhook>`), and cancelled or deferred by. */
  group_key: string | null;
  /** The tenant it works for, capped per organization; null for system jobs. */
  organization_id: string | null;
  payload: string;
  state: 'queued' | 'done' | 'failed';
  run_at: string;
  attempts: number;
  locked_until: string | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface OutboxEventTable {
  id: Generated<number>;
  organization_id: string;
  order_id: string | null;
  type: string;
  /**
   * JSON snapshot of the body at the time of the event, for webhook deliveries; the JSON text `null` when no
   * webhook subscribed (the feed reads bodies when it is polled, from `subject_id`).
   */
  payload: string;
  created_at: string;
  /** The id of the body's entity: the order for `order/*`, the request for `request/*`, … */
  subject_id: string | null;
  /** PostgreSQL: the place in the feed, assigned after COMMIT (null until then; absent on SQLite, where it is `id`). */
  position?: number | null;
}

/** PostgreSQL: the last feed position handed out (one row). */
export interface EventSequenceTable {
  id: number;
  last_position: number;
}

export interface IdempotencyKeyTable {
  client_id: string;
  key: string;
  request_hash: string;
  state: 'in_flight' | 'done';
  status_code: number | null;
  response: string | null;
  created_at: string;
}

export interface WebhookTable {
  id: string;
  organization_id: string;
  endpoint: string;
  /** JSON array of event types. */
  events: string;
  /** JSON object of extra headers. */
  headers: string;
  /** STANDARD | HAPPYCOLIS | KORNITX (webhooks/webhook-formats.ts); the column defaults to STANDARD. */
  format: Generated<string>;
  /** Kept as it is (not hashed): deliveries are signed with it. Never logged, returned only when set. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  enabled: number;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  organization_id: string;
  event_id: number;
  job_id: number;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  /** The start of the response body (migration 024), null when there was no response or it was empty. */
  response_body: string | null;
  success: number;
  created_at: string;
}

export interface UserTable {
  id: string;
  organization_id: string;
  /** Lower-cased; unique across organizations (it is what a person signs in with). */
  email: string;
  role: 'admin' | 'operator' | 'viewer';
  password_hash: string;
  disabled_at: string | null;
  created_at: string;
}

export interface UserSessionTable {
  /** SHA-256 (hex) of the session cookie's token. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
}

export interface Database {
  organizations: OrganizationTable;
  supplier_connections: SupplierConnectionTable;
  clients: ClientTable;
  signing_keys: SigningKeyTable;
  revoked_tokens: RevokedTokenTable;
  orders: OrderTable;
  order_lines: OrderLineTable;
  delivery_orders: DeliveryOrderTable;
  order_events: OrderEventTable;
  shipments: ShipmentTable;
  shipment_items: ShipmentItemTable;
  shipment_events: ShipmentEventTable;
  dispatchable_requests: DispatchableRequestTable;
  jobs: JobTable;
  outbox_events: OutboxEventTable;
  event_sequence: EventSequenceTable;
  idempotency_keys: IdempotencyKeyTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
  users: UserTable;
  user_sessions: UserSessionTable;
}

/** What a query runs on: the database, or a transaction of it. */
export type Executor = Kysely<Database> | Transaction<Database>;
