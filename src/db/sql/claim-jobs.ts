/**
 * Claims due jobs with a lease, in one statement: `WITH … UPDATE … WHERE id IN (…) RETURNING`. On PostgreSQL the
 * candidates are taken `FOR UPDATE SKIP LOCKED`, so workers in several processes never claim the same row; SQLite
 * has one writer, and there the claim joins the group commit of the jobs finishing around it instead of paying its
 * own COMMIT.
 *
 * What may be claimed (the scheduling rule, docs/architecture.md "Jobs"):
 * - a job of one of the lane's kinds that is due and not leased;
 * - whose `queue_key` has no older queued job (jobs of one key run one at a time, oldest first);
 * - while its group has fewer than `perGroup` jobs in flight (leased), or fewer than one while the group is failing:
 *   a group `wh:<webhook>` fails while its webhook's last `failingAfter` attempts or more failed in a row (health
 *   FAILING). A failing webhook probes with one delivery at a time instead of holding lanes; a healthy one's
 *   occasional 503s never add up to throttle it, however many retries wait (they reset with every success);
 * - while its organization has fewer than `perOrganization` jobs in flight.
 * The caps count the leases already held and the jobs claimed in this same statement (ranked per group, then per
 * organization, in `run_at, id` order). Groups and organizations at their cap are skipped before the candidates'
 * LIMIT, so once a tenant's backlog has filled its share, the next claim reaches the other tenants' jobs.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../database.ts';
import { runSql } from '../run-sql.ts';
import { statementName } from '../pg-driver.ts';

export interface ClaimedJobRow {
  id: number;
  kind: string;
  queue_key: string | null;
  payload: string;
  attempts: number;
  created_at: string;
}

export interface ClaimLimits {
  /** The kinds this lane runs. */
  kinds: readonly string[];
  limit: number;
  leaseMs: number;
  /** Jobs of one group in flight at once (everywhere, not per worker). */
  perGroup: number;
  /** Jobs of one organization in flight at once. */
  perOrganization: number;
  /** Consecutive failed attempts from which a webhook's group is failing (webhook-health's FAILING_AFTER). */
  failingAfter: number;
  /**
   * Candidates looked at per job claimed (default CANDIDATES_PER_SLOT), for the caps to drop some of them. A lane
   * whose caps cannot bind (its jobs carry no group or organization) takes 1: the scan then stops at the `limit`-th
   * claimable job instead of walking on through a backlog with fewer heads than `limit × 4`.
   */
  candidatesPerSlot?: number;
}

const CANDIDATES_PER_SLOT = 4;

export async function claimJobs(db: Db, workerId: string, c: ClaimLimits): Promise<ClaimedJobRow[]> {
  if (c.kinds.length === 0 || c.limit <= 0) return [];
  const claim = claimStatement(db, workerId, c);
  if (db.kind === 'sqlite') return (await db.transaction((tx) => claim.execute(tx))).rows;
  // Named: the text is fixed per lane, so each connection parses it once (and PostgreSQL may keep a generic plan).
  const { sql: text, parameters } = claim.compile(db.kysely);
  // The candidates must be read in index order, stopping at the LIMIT. On a `jobs` never analyzed (a freshly filled
  // queue, before autovacuum gets to it) the planner takes a bitmap scan of `jobs_queued` instead, which probes
  // NOT EXISTS for every queued job and sorts them all: cost ∝ backlog (64,700 buffer hits a claim instead of
  // 9,100). So bitmap scans are off for this transaction only; the SET and the claim travel together (pipelined).
  return db.transaction(async (tx) => {
    const [, claimed] = await Promise.all([
      runSql(tx, 'SET LOCAL enable_bitmapscan = off', []),
      runSql<ClaimedJobRow>(tx, text, parameters, statementName(text)),
    ]);
    return claimed.rows;
  });
}

/** The claim statement of `db`'s dialect (the bench's raw floor runs its PostgreSQL text on a bare connection). */
export function claimStatement(db: Db, workerId: string, c: ClaimLimits): RawBuilder<ClaimedJobRow> {
  const now = new Date();
  const nowIso = now.toISOString();
  const lease = new Date(now.getTime() + c.leaseMs).toISOString();
  const lock = db.kind === 'postgres' ? sql`FOR UPDATE OF j SKIP LOCKED` : sql``;
  const kinds = sql.join(c.kinds.map((k) => sql`${k}`));
  return sql<ClaimedJobRow>`
    WITH leased AS MATERIALIZED (
      SELECT group_key, organization_id FROM jobs WHERE state = 'queued' AND locked_until >= ${nowIso}
    ),
    failing AS MATERIALIZED (
      SELECT 'wh:' || id AS group_key FROM webhooks WHERE consecutive_failures >= ${c.failingAfter}
    ),
    group_load AS MATERIALIZED (
      SELECT group_key, count(*) AS n,
        CASE WHEN group_key IN (SELECT group_key FROM failing) THEN 1 ELSE ${c.perGroup} END AS cap
      FROM leased WHERE group_key IS NOT NULL GROUP BY group_key
    ),
    org_load AS MATERIALIZED (
      SELECT organization_id, count(*) AS n FROM leased WHERE organization_id IS NOT NULL GROUP BY organization_id
    ),
    candidates AS (
      SELECT j.id, j.run_at, j.group_key, j.organization_id FROM jobs j
      WHERE j.state = 'queued' AND j.run_at <= ${nowIso} AND j.kind IN (${kinds})
        AND (j.locked_until IS NULL OR j.locked_until < ${nowIso})
        AND (j.group_key IS NULL OR j.group_key NOT IN (SELECT group_key FROM group_load WHERE n >= cap))
        AND (j.organization_id IS NULL OR j.organization_id NOT IN (SELECT organization_id FROM org_load WHERE n >= ${c.perOrganization}))
        AND (j.queue_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM jobs e WHERE e.queue_key = j.queue_key AND e.state = 'queued' AND e.id < j.id))
      ORDER BY j.run_at, j.id
      LIMIT ${c.limit * (c.candidatesPerSlot ?? CANDIDATES_PER_SLOT)}
      ${lock}
    ),
    by_group AS (
      SELECT c.id, c.run_at, c.organization_id FROM (
        SELECT c.*,
          ROW_NUMBER() OVER (PARTITION BY c.group_key ORDER BY c.run_at, c.id) + COALESCE(g.n, 0) AS group_n,
          COALESCE(g.cap, CASE WHEN c.group_key IN (SELECT group_key FROM failing) THEN 1 ELSE ${c.perGroup} END) AS group_cap
        FROM candidates c LEFT JOIN group_load g ON g.group_key = c.group_key
      ) c
      WHERE c.group_key IS NULL OR c.group_n <= c.group_cap
    ),
    by_org AS (
      SELECT b.id, b.run_at, b.organization_id,
        ROW_NUMBER() OVER (PARTITION BY b.organization_id ORDER BY b.run_at, b.id) + COALESCE(o.n, 0) AS org_n
      FROM by_group b LEFT JOIN org_load o ON o.organization_id = b.organization_id
    )
    UPDATE jobs SET locked_until = ${lease}, locked_by = ${workerId}, attempts = attempts + 1
    WHERE id IN (
      SELECT r.id FROM by_org r
      WHERE r.organization_id IS NULL OR r.org_n <= ${c.perOrganization}
      ORDER BY r.run_at, r.id
      LIMIT ${c.limit}
    )
    RETURNING id, kind, queue_key, payload, attempts, created_at`;
}
