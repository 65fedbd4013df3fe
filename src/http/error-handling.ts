/**
 * The last line of defence outside GraphQL: client errors (bad JSON, body too large, wrong method) keep their
 * status and a plain message; anything unexpected is a 500 with the request id, never a stack trace or SQL.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const errorHandling = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({
        errors: [
          {
            message: `Internal server error; quote request id ${request.id} when reporting it`,
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: request.id },
          },
        ],
      });
    }
    const code = status === 429 ? 'RATE_LIMITED' : 'BAD_USER_INPUT';
    return reply.code(status).send({ errors: [{ message: error.message, extensions: { code } }] });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ errors: [{ message: `no route ${request.method} ${request.url.split('?')[0]}`, extensions: { code: 'NOT_FOUND' } }] });
  });
});
