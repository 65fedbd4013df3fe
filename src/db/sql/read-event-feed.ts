/**
 * One page of an organization's event feed after a position: `id` on SQLite (ids commit in order there),
 * `position` on PostgreSQL (assigned after COMMIT by `sequence-events.ts`; unsequenced events are not read yet).
 */
import type { Db } from '../database.ts';

export interface FeedRow {
  position: number;
  id: number;
  type: string;
  order_id: string | null;
  subject_id: string | null;
  payload: string;
  created_at: string;
}

export async function readEventFeed(
  db: Db,
  args: { organizationId: string; after: number; limit: number; types?: readonly string[] },
): Promise<FeedRow[]> {
  const column = db.kind === 'postgres' ? 'position' : 'id';
  let query = db.kysely
    .selectFrom('outbox_events')
    .select([`${column} as position`, 'id', 'type', 'order_id', 'subject_id', 'payload', 'created_at'])
    .where('organization_id', '=', args.organizationId)
    .where(column, '>', args.after)
    .orderBy(column)
    .limit(args.limit);
  if (args.types && args.types.length > 0) query = query.where('type', 'in', args.types);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, position: Number(r.position) }) as FeedRow);
}
