/**
 * People who sign in to the dashboard, and their sessions (kept in the database so that every node knows them and a
 * sign-out or a disabled user ends them everywhere). Also an index for an order's dispatchable requests, partial so
 * that the hot path (a DRAFT change, accepted at once) pays nothing: migration 003 dropped the full one for that.
 */
import { type Kysely, sql } from 'kysely';

/** The requests the order page lists: all but those accepted at once (whose effect the history already shows). */
export const QUEUED_OR_REFUSED = `NOT (state = 'ACCEPTED' AND completed_at = created_at)`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_org').on('users').columns(['organization_id', 'email']).execute();

  await db.schema
    .createTable('user_sessions')
    // SHA-256 of the cookie's token: a copy of the table does not hand out live sessions.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await db.schema.createIndex('user_sessions_user').on('user_sessions').column('user_id').execute();

  await sql`CREATE INDEX dispatchable_requests_order_queued ON dispatchable_requests (order_id, created_at)
    WHERE ${sql.raw(QUEUED_OR_REFUSED)}`.execute(db);
}
