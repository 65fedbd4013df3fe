/**
 * `Idempotency-Key` on write requests: the first response for a (client, key) is stored for 24 hours and
 * replayed to retries with the same body; another body with the same key is 422, and a retry while the first
 * is still running is 409. Server errors (5xx) release the key so the client may try again.
 *
 * What the token may do is part of the key: a replay must never hand a response to a token that could not have
 * made the request (a `view_orders`-only token of the same client, or one narrowed to another organization).
 * Such a token's request runs on its own and gets its own answer (INSUFFICIENT_SCOPE, its own organization).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Db } from '../db/database.ts';
import type { Actor } from '../context.ts';

const TTL_MS = 24 * 3600 * 1000;
/** An in-flight key older than this belongs to a process that died; a retry may take it over. */
const STALE_IN_FLIGHT_MS = 60_000;

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { clientId: string; key: string };
  }
}

/** The key as stored: the client's key behind a digest of the token's scopes and organizations. */
function scopedKey(actor: Actor, key: string): string {
  const powers = [[...actor.scopes].sort().join(' '), actor.organizationId, [...actor.organizationIds].sort().join(',')].join('\n');
  return `${createHash('sha256').update(powers).digest('base64url').slice(0, 22)}:${key}`;
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
}

export const idempotencyPlugin = fp(async (app: FastifyInstance, opts: { db: Db }) => {
  const db = opts.db.kysely;

  // Callback style: most requests carry no key, and an async hook would cost them a promise.
  app.addHook('preHandler', (request, reply, done) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return done();
    claim(request, reply, request.actor, key).then(() => {
      if (!reply.sent) done(); // else answered (refused or replayed): the request goes no further
    }, done);
  });

  /** Takes the key for this request, or answers it: refused (in use, another body) or the stored response. */
  const claim = async (request: FastifyRequest, reply: FastifyReply, actor: Actor, given: string) => {
    if (given.length === 0 || given.length > 255) return refuse(reply, 400, '`Idempotency-Key` must be 1 to 255 characters');
    const clientId = actor.clientId;
    const key = scopedKey(actor, given);
    const hash = createHash('sha256').update(request.url).update('\n').update(JSON.stringify(request.body ?? null)).digest('hex');
    const now = Date.now();
    await db
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
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({ client_id: clientId, key, request_hash: hash, state: 'in_flight', status_code: null, response: null, created_at: new Date(now).toISOString() })
      .onConflict((oc) => oc.columns(['client_id', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
      request.idempotency = { clientId, key };
      return;
    }
    const existing = await db.selectFrom('idempotency_keys').selectAll().where('client_id', '=', clientId).where('key', '=', key).executeTakeFirst();
    if (!existing) return refuse(reply, 409, 'a request with this `Idempotency-Key` is in progress; retry shortly');
    if (existing.request_hash !== hash) {
      return refuse(reply, 422, 'this `Idempotency-Key` was used with a different request body');
    }
    if (existing.state === 'in_flight') return refuse(reply, 409, 'a request with this `Idempotency-Key` is in progress; retry shortly');
    return reply
      .code(existing.status_code ?? 200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('Idempotent-Replayed', 'true')
      .send(existing.response);
  };

  const onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const held = request.idempotency!;
    request.idempotency = undefined;
    const where = db.updateTable('idempotency_keys').where('client_id', '=', held.clientId).where('key', '=', held.key);
    if (reply.statusCode >= 500) {
      await db.deleteFrom('idempotency_keys').where('client_id', '=', held.clientId).where('key', '=', held.key).execute();
    } else {
      await where.set({ state: 'done', status_code: reply.statusCode, response: typeof payload === 'string' ? payload : String(payload) }).execute();
    }
  };
  // Callback style: most requests carry no key, and an async hook would cost them a promise.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.idempotency) return done(null, payload);
    onSend(request, reply, payload).then(() => done(null, payload), done);
  });
});
