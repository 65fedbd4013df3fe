/**
 * `Idempotency-Key` on write requests: the first response for a (client, key) is stored for 24 hours and
 * replayed to retries with the same body; another body with the same key is 422, and a retry while the first
 * is still running is 409. Server errors (5xx) release the key so the client may try again.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Ctx, Services } from '../context.ts';
import { runCommand } from '../commands/commands.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: { clientId: string; key: string };
  }
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
}

export const idempotencyPlugin = fp(async (app: FastifyInstance, opts: { services: Services }) => {
  const ctxOf = (request: FastifyRequest): Ctx => ({ actor: request.actor ?? null, requestId: request.id, services: opts.services });

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return;
    if (key.length === 0 || key.length > 255) return refuse(reply, 400, '`Idempotency-Key` must be 1 to 255 characters');
    const clientId = request.actor.clientId;
    const hash = createHash('sha256').update(request.url).update('\n').update(JSON.stringify(request.body ?? null)).digest('hex');
    const claim = await runCommand(ctxOf(request), 'claimIdempotencyKey', clientId, key, hash);
    if (claim.claimed) {
      request.idempotency = { clientId, key };
      return;
    }
    const existing = claim.existing;
    if (!existing) return refuse(reply, 409, 'a request with this `Idempotency-Key` is in progress; retry shortly');
    if (existing.requestHash !== hash) {
      return refuse(reply, 422, 'this `Idempotency-Key` was used with a different request body');
    }
    if (existing.inFlight) return refuse(reply, 409, 'a request with this `Idempotency-Key` is in progress; retry shortly');
    return reply
      .code(existing.statusCode ?? 200)
      .header('content-type', 'application/json; charset=utf-8')
      .header('Idempotent-Replayed', 'true')
      .send(existing.response);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotency;
    if (!held) return payload;
    request.idempotency = undefined;
    const outcome = reply.statusCode >= 500 ? null : { statusCode: reply.statusCode, response: typeof payload === 'string' ? payload : String(payload) };
    await runCommand(ctxOf(request), 'finishIdempotencyKey', held.clientId, held.key, outcome);
    return payload;
  });
});
