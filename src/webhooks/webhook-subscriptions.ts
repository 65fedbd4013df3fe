/**
 * Webhook subscriptions (Orders API, scope `edit_integrations`): create, change (incl. secret rotation), delete
 * and list an organization's webhooks. A webhook belongs to the organization of the token (its own, or the one
 * it was narrowed to); another organization's webhook is NOT_FOUND.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { withTransaction, type Actor, type Ctx } from '../context.ts';
import { canAccess, requireScope } from '../auth/scopes.ts';
import type { Executor } from '../db/database.ts';
import type { WebhookTable } from '../db/tables.ts';
import { badInput, notFound } from '../errors/domain-error.ts';
import { decodeCursor, pageSize, toConnection, type Connection } from '../paging.ts';
import { cancelQueuedJobs } from '../jobs/job-queue.ts';
import { deliveryGroup } from './outbox.ts';
import { parseWebhookInput, parseWebhookUpdate } from './webhook-input.ts';
import { findOrganization } from '../organizations/organizations.ts';
import { webhookHealth, type WebhookHealth } from './webhook-health.ts';
import { newSecretFor, type WebhookFormat } from './webhook-formats.ts';
import { checkSecret } from './webhook-input.ts';
import { isoNow } from '../clock.ts';

export type WebhookRow = Selectable<WebhookTable>;

/** How long a rotated-out secret still signs deliveries, next to the new one. */
export const PREVIOUS_SECRET_TTL_MS = 24 * 3600 * 1000;

/** At most this many webhooks per organization: each one multiplies the delivery work of every change. */
export const MAX_WEBHOOKS_PER_ORGANIZATION = 50;

export interface WebhookView {
  id: string;
  endpoint: string;
  events: string[];
  headers: Record<string, string>;
  format: WebhookFormat;
  /** Only when it was just set (creation, rotation): never returned otherwise. */
  secret: string | null;
  enabled: boolean;
  health: WebhookHealth;
  createdAt: string;
  updatedAt: string;
}

/** The view of a webhook; `showSecret` only in the answer of the mutation that set the secret. */
export function webhookView(row: WebhookRow, showSecret = false): WebhookView {
  return {
    id: row.id,
    endpoint: row.endpoint,
    events: JSON.parse(row.events),
    headers: JSON.parse(row.headers),
    format: row.format as WebhookFormat,
    secret: showSecret ? row.secret : null,
    enabled: row.enabled === 1,
    health: webhookHealth(row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The organization a token manages webhooks of and reads the feed of: the token's default one (its own, or the one it was narrowed to). */
export function homeOrganization(actor: Actor): string {
  return actor.organizationId;
}

/** A webhook the token may manage, or NOT_FOUND. */
export async function loadWebhook(db: Executor, actor: Actor, id: string): Promise<WebhookRow> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !canAccess(actor, row.organization_id)) throw notFound('webhook', id);
  return row;
}

/**
 * Marks the queued deliveries of a webhook done without sending them (on delete or disable). A delivery that a
 * worker is sending right now finishes; its job then finds the webhook gone or disabled next time.
 */
export async function stopPendingDeliveries(db: Executor, webhookId: string): Promise<void> {
  await cancelQueuedJobs(db, deliveryGroup(webhookId), 'webhook deleted or disabled');
}

/** KORNITX needs an organization kind it has a meaning for (both have one: push for suppliers, callbacks for merchants). */
async function checkFormatFits(db: Executor, organizationId: string, format: WebhookFormat): Promise<void> {
  if (format !== 'KORNITX') return;
  const org = await findOrganization(db, organizationId);
  if (org?.kind !== 'MERCHANT' && org?.kind !== 'SUPPLIER') {
    throw badInput('format', 'KORNITX needs a MERCHANT (status callbacks) or SUPPLIER (order push) organization');
  }
}

export async function createWebhook(ctx: Ctx, input: unknown): Promise<WebhookView> {
  const actor = requireScope(ctx, 'edit_integrations');
  const settings = parseWebhookInput(input, ctx.services.webhookAllowPrivate);
  const organizationId = homeOrganization(actor);
  return withTransaction(ctx, async (tctx) => {
    const count = await tctx.tx
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_WEBHOOKS_PER_ORGANIZATION) {
      throw badInput('endpoint', `cannot be added: an organization has at most ${MAX_WEBHOOKS_PER_ORGANIZATION} webhooks`);
    }
    const now = isoNow();
    const row: WebhookRow = {
      id: randomUUID(),
      organization_id: organizationId,
      endpoint: settings.endpoint,
      events: JSON.stringify(settings.events),
      headers: JSON.stringify(settings.headers),
      format: settings.format,
      secret: settings.secret ?? newSecretFor(settings.format),
      previous_secret: null,
      previous_secret_expires_at: null,
      enabled: 1,
      consecutive_failures: 0,
      created_at: now,
      updated_at: now,
    };
    await checkFormatFits(tctx.tx, organizationId, settings.format);
    await tctx.tx.insertInto('webhooks').values(row).execute();
    return webhookView(row, true);
  });
}

export async function updateWebhook(ctx: Ctx, id: string, input: unknown): Promise<WebhookView> {
  const actor = requireScope(ctx, 'edit_integrations');
  const changes = parseWebhookUpdate(input, ctx.services.webhookAllowPrivate);
  return withTransaction(ctx, async (tctx) => {
    const row = await loadWebhook(tctx.tx, actor, id);
    const now = new Date();
    const set: Updateable<WebhookTable> = { updated_at: now.toISOString() };
    if (changes.endpoint !== undefined) set.endpoint = changes.endpoint;
    if (changes.events !== undefined) set.events = JSON.stringify(changes.events);
    if (changes.headers !== undefined) set.headers = JSON.stringify(changes.headers);
    const disabling = changes.enabled === false && row.enabled === 1;
    if (changes.enabled !== undefined && changes.enabled !== (row.enabled === 1)) {
      set.enabled = changes.enabled ? 1 : 0;
      // A fresh start: the failures that led to disabling it say nothing about the endpoint now.
      if (changes.enabled) set.consecutive_failures = 0;
    }
    const format = (changes.format ?? row.format) as WebhookFormat;
    if (changes.format !== undefined && changes.format !== row.format) {
      await checkFormatFits(tctx.tx, row.organization_id, changes.format);
      set.format = changes.format;
      if (changes.secret === undefined && !changes.rotateSecret) checkSecret(changes.format, row.secret);
    }
    const secret = changes.rotateSecret ? newSecretFor(format) : changes.secret !== undefined ? checkSecret(format, changes.secret) : undefined;
    if (secret !== undefined) {
      set.previous_secret = row.secret;
      set.previous_secret_expires_at = new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS).toISOString();
      set.secret = secret;
    }
    // The webhook row first, then its jobs: the order the delivery handler locks them in.
    await tctx.tx.updateTable('webhooks').set(set).where('id', '=', row.id).execute();
    if (disabling) await stopPendingDeliveries(tctx.tx, row.id);
    return webhookView({ ...row, ...set } as WebhookRow, secret !== undefined);
  });
}

export async function deleteWebhook(ctx: Ctx, id: string): Promise<boolean> {
  const actor = requireScope(ctx, 'edit_integrations');
  return withTransaction(ctx, async (tctx) => {
    const row = await loadWebhook(tctx.tx, actor, id);
    // The webhook row first, then its jobs: the order the delivery handler locks them in.
    await tctx.tx.deleteFrom('webhooks').where('id', '=', row.id).execute();
    await tctx.tx.deleteFrom('webhook_deliveries').where('webhook_id', '=', row.id).execute();
    await stopPendingDeliveries(tctx.tx, row.id);
    return true;
  });
}

export async function listWebhooks(ctx: Ctx, args: { first?: number | null; after?: string | null }): Promise<Connection<WebhookView>> {
  const actor = requireScope(ctx, 'edit_integrations');
  const first = pageSize(args.first);
  const db = ctx.services.db.kysely;
  const base = db.selectFrom('webhooks').where('organization_id', 'in', [...actor.organizationIds]);
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  let page = base.selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').limit(first + 1);
  if (args.after) {
    const [createdAt, id] = decodeCursor(args.after, 2);
    page = page.where((eb) => eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]));
  }
  const rows = await page.execute();
  return toConnection(rows, { first, after: args.after, totalCount: Number(total.n) }, (r) => [r.created_at, r.id], webhookView);
}
