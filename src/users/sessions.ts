/**
 * Dashboard sessions, in the database so that any node can serve any request and a sign-out or a disabled user
 * ends them everywhere at once. The cookie holds a random token; the table holds its SHA-256. A session ends at
 * sign-out, when its user is disabled, after `idleMs` without a request, and `absoluteMs` after sign-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Executor } from '../db/database.ts';
import type { OrganizationKind } from '../organizations/organizations.ts';
import type { Selectable } from 'kysely';
import type { UserTable } from '../db/tables.ts';
import { isoNow } from '../clock.ts';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface LiveSession {
  id: string;
  csrfToken: string;
  user: Selectable<UserTable>;
  organization: { id: string; name: string; kind: OrganizationKind };
}

/** last_seen_at is written at most this often: a page view need not be a database write. */
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export async function startSession(db: Executor, userId: string): Promise<{ token: string; csrfToken: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const now = isoNow();
  await db
    .insertInto('user_sessions')
    .values({ id: hashToken(token), user_id: userId, csrf_token: csrfToken, created_at: now, last_seen_at: now, ended_at: null })
    .execute();
  return { token, csrfToken };
}

/** The live session of a cookie's token, or undefined (unknown, ended, expired, or its user disabled). */
export async function findLiveSession(db: Executor, token: string, policy: SessionPolicy, now = Date.now()): Promise<LiveSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const row = await db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('organizations as o', 'o.id', 'u.organization_id')
    .selectAll('u')
    .select(['s.id as session_id', 's.csrf_token', 's.created_at as session_created_at', 's.last_seen_at', 's.ended_at', 'o.name as org_name', 'o.kind as org_kind'])
    .where('s.id', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.ended_at !== null || row.disabled_at !== null) return undefined;
  const lastSeen = Date.parse(row.last_seen_at);
  if (now - lastSeen > policy.idleMs || now - Date.parse(row.session_created_at) > policy.absoluteMs) {
    await endSessionById(db, row.session_id);
    return undefined;
  }
  if (now - lastSeen > TOUCH_EVERY_MS) {
    await db.updateTable('user_sessions').set({ last_seen_at: new Date(now).toISOString() }).where('id', '=', row.session_id).execute();
  }
  const { session_id, csrf_token, session_created_at, last_seen_at, ended_at, org_name, org_kind, ...user } = row;
  return { id: session_id, csrfToken: csrf_token, user, organization: { id: user.organization_id, name: org_name, kind: org_kind } };
}

async function endSessionById(db: Executor, id: string): Promise<void> {
  await db.updateTable('user_sessions').set({ ended_at: isoNow() }).where('id', '=', id).where('ended_at', 'is', null).execute();
}

export function endSession(db: Executor, session: Pick<LiveSession, 'id'>): Promise<void> {
  return endSessionById(db, session.id);
}

export async function endSessionsOf(db: Executor, userId: string): Promise<void> {
  await db.updateTable('user_sessions').set({ ended_at: isoNow() }).where('user_id', '=', userId).where('ended_at', 'is', null).execute();
}
