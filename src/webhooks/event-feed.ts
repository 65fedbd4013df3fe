/**
 * The event feed (SPEC §9): an organization's events in commit order, in the webhook envelope, each with a
 * cursor. A client that polls with the last cursor it saw never misses an event and never sees one twice: on
 * SQLite ids commit in order; on PostgreSQL the feed reads positions handed out after COMMIT
 * (`db/sql/sequence-events.ts`). Bodies are the subject's state when polled (`event-bodies.ts`).
 */
import type { Ctx } from '../context.ts';
import { requireScope, type Scope } from '../auth/scopes.ts';
import { badInput } from '../errors/domain-error.ts';
import { decodeCursor, encodeCursor } from '../paging.ts';
import { readEventFeed } from '../db/sql/read-event-feed.ts';
import { sequenceEvents } from '../db/sql/sequence-events.ts';
import { EVENT_TYPES } from './outbox.ts';
import { loadBodies } from './event-bodies.ts';
import { homeOrganization } from './webhook-subscriptions.ts';

export const MAX_FEED_PAGE = 1000;

export interface FeedEvent {
  cursor: string;
  header: { organizationId: string; messageId: string; webhookId: null; type: string; date: string };
  body: unknown;
}

export interface FeedPage {
  edges: { cursor: string; node: FeedEvent }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export interface FeedArgs {
  after?: string | null;
  /** The page size, and the name of its argument in the caller's dialect (`first`, `limit`). */
  size?: number | null;
  sizeField: string;
  types?: readonly string[] | null;
}

/** The feed position a cursor stands for, refusing cursors of another organization or of another list. */
function positionOf(cursor: string, organizationId: string): number {
  const [kind, org, position] = decodeCursor(cursor, 3);
  if (kind !== 'feed' || !/^\d{1,15}$/.test(position)) throw badInput('after', 'is not a cursor of the event feed');
  if (org !== organizationId) throw badInput('after', "is a cursor of another organization's event feed");
  return Number(position);
}

function checkTypes(types: readonly string[] | null | undefined): string[] | undefined {
  if (!types) return undefined;
  types.forEach((t, i) => {
    if (!(EVENT_TYPES as readonly string[]).includes(t)) {
      throw badInput(`types[${i}]`, `${JSON.stringify(t)} is not an event type; use one of ${EVENT_TYPES.join(', ')}`);
    }
  });
  return [...new Set(types)];
}

export async function readFeed(ctx: Ctx, scope: Scope, args: FeedArgs): Promise<FeedPage> {
  const actor = requireScope(ctx, scope);
  const size = args.size ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > MAX_FEED_PAGE) {
    throw badInput(args.sizeField, `must be an integer from 1 to ${MAX_FEED_PAGE}`);
  }
  const types = checkTypes(args.types);
  const organizationId = homeOrganization(actor);
  const after = args.after ? positionOf(args.after, organizationId) : 0;
  const db = ctx.services.db;
  await sequenceEvents(db);
  const rows = await readEventFeed(db, { organizationId, after, limit: size + 1, types });
  const page = rows.slice(0, size);
  const bodies = await loadBodies(db, page.map((r) => ({ type: r.type, subjectId: r.subject_id })));
  const edges = page.map((r, i) => {
    const cursor = encodeCursor(['feed', organizationId, r.position]);
    const header = { organizationId, messageId: `evt_${r.id}`, webhookId: null, type: r.type, date: r.created_at };
    return { cursor, node: { cursor, header, body: bodies[i] } };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: Boolean(args.after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
