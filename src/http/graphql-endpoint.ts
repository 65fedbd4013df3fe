/**
 * Mounts one GraphQL dialect (SDL + resolvers) with Mercurius and graphql-jit, behind Bearer authentication.
 * Each dialect is its own encapsulated Fastify context, so two schemas live side by side.
 */
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import mercurius, { type IResolvers } from 'mercurius';
import { NoSchemaIntrospectionCustomRule, type GraphQLError } from 'graphql';
import type { Ctx, Services } from '../context.ts';
import type { TokenService } from '../auth/token-service.ts';
import { bearerAuth } from './bearer-auth.ts';
import { rateLimitHook, type RateLimiter } from './rate-limit.ts';
import { explainVariableErrors, formatGraphQLError } from './graphql-errors.ts';

export interface GraphQLEndpointOptions {
  prefix: string;
  schemaFile: string;
  resolvers: IResolvers;
  tokens: TokenService;
  services: Services;
  graphiql: boolean;
  introspection: boolean;
  rateLimiter?: RateLimiter;
}

export async function mountGraphQL(app: FastifyInstance, opts: GraphQLEndpointOptions): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.url.startsWith(`${opts.prefix}/graphiql`)) return; // static GraphiQL page and assets
        return bearerAuth(opts.tokens, `${opts.prefix}/graphiql`)(request, reply);
      });
      if (opts.rateLimiter) scope.addHook('onRequest', rateLimitHook(opts.rateLimiter));
      await scope.register(mercurius, {
        schema: fs.readFileSync(opts.schemaFile, 'utf8'),
        resolvers: opts.resolvers,
        path: '/graphql',
        graphiql: opts.graphiql,
        jit: 1,
        queryDepth: 12,
        allowBatchedQueries: false,
        validationRules: opts.introspection ? [] : [NoSchemaIntrospectionCustomRule],
        context: (request): { ctx: Ctx } => ({
          ctx: { actor: request.actor ?? null, requestId: request.id, services: opts.services },
        }),
        errorFormatter: (execution, context) => {
          const request = context.reply.request;
          // Mercurius wraps validation errors in one error whose `errors` holds the real ones.
          let flat = (execution.errors ?? []).flatMap((e) => {
            const inner = (e.originalError as { errors?: unknown } | undefined)?.errors;
            return Array.isArray(inner) ? (inner as GraphQLError[]) : [e as GraphQLError];
          });
          if (flat.some((e) => !e.path && e.message.startsWith('Variable "$'))) {
            flat = explainVariableErrors(context.app.graphql.schema, request.body as never) ?? flat;
          }
          const errors = flat.map((e) => formatGraphQLError(e, request.id, request.log));
          const response: { data?: unknown; errors: unknown[] } = { errors };
          if (execution.data !== undefined) response.data = execution.data;
          return { statusCode: 200, response: response as never };
        },
      });
    },
    { prefix: opts.prefix },
  );
}
