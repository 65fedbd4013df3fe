/**
 * The `idempotency_keys` rows behind the Idempotency-Key plugin (idempotency.ts). They are written like any other
 * change, as commands (src/commands/), so on SQLite they go through the writer thread's connection instead of
 * contending with it for the write lock.
 */
import { withTransaction, type Ctx } from '../context.ts';

const TTL_MS = 24 * 3600 * 1000;
/** An in-flight key older than this belongs to a process that died; a retry may take it over. */
const STALE_IN_FLIGHT_MS = 60_000;

export type KeyClaim =
  | { claimed: true }
  | { claimed: false; existing?: { requestHash: string; inFlight: boolean; statusCode: number | null; response: string | null } };

/** Takes the key for this request, or says who holds it (nobody, when it was released meanwhile). */
export function claimIdempotencyKey(ctx: Ctx, clientId: string, key: string, requestHash: string): Promise<KeyClaim> {
  const now = Date.now();
  return withTransaction(ctx, async ({ tx }) => {
    await tx
      .deleteFrom('idempotency_keys')
      .where('client_id', '=', clientId)
      .where('key', '=', key)
      .where((eb) =>
        eb.or([
          eb('created_at', '<', new Date(now - TTL_MS).toISOString()),
          eb.and([eb('state', '=', 'in_flight'), eb('created_at', '<', new Date(now - STALE_IN_FLIGHT_MS).toISOString())]),
        ]),
      )
      .execute();
    const inserted = await tx
      .insertInto('idempotency_keys')
      .values({ client_id: clientId, key, request_hash: requestHash, state: 'in_flight', status_code: null, response: null, created_at: new Date(now).toISOString() })
      .onConflict((oc) => oc.columns(['client_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { claimed: true };
    const row = await tx.selectFrom('idempotency_keys').selectAll().where('client_id', '=', clientId).where('key', '=', key).executeTakeFirst();
    return {
      claimed: false,
      existing: row && { requestHash: row.request_hash, inFlight: row.state === 'in_flight', statusCode: row.status_code, response: row.response },
    };
  });
}

/** Stores the response for retries, or releases the key (`outcome` null: a server error, the client may retry). */
export function finishIdempotencyKey(
  ctx: Ctx,
  clientId: string,
  key: string,
  outcome: { statusCode: number; response: string } | null,
): Promise<void> {
  return withTransaction(ctx, async ({ tx }) => {
    if (!outcome) {
      await tx.deleteFrom('idempotency_keys').where('client_id', '=', clientId).where('key', '=', key).execute();
      return;
    }
    await tx
      .updateTable('idempotency_keys')
      .set({ state: 'done', status_code: outcome.statusCode, response: outcome.response })
      .where('client_id', '=', clientId)
      .where('key', '=', key)
      .execute();
  });
}
