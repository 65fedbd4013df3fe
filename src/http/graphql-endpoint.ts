/**
 * Mounts one GraphQL dialect (SDL + resolvers) with Mercurius and graphql-jit, behind Bearer authentication.
 * Each dialect is its own encapsulated Fastify context, so two schemas live side by side.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import mercurius, { type IResolvers } from 'mercurius';
import { NoSchemaIntrospectionCustomRule, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Ctx, Services } from '../context.ts';
import type { TokenService } from '../auth/token-service.ts';
import { bearerAuth } from './bearer-auth.ts';
import { rateLimitHook, type RateLimiter } from './rate-limit.ts';
import { explainVariableErrors, formatGraphQLError } from './graphql-errors.ts';
import { graphqlOverHttp, graphqlStatus, negotiateMediaType } from './graphql-over-http.ts';
import { guardDocument } from './graphql-document-guard.ts';
import { aliasLimitRule } from './graphql-alias-limit.ts';
import { costLimitRule } from './graphql-cost-limit.ts';
import { operationLabel } from '../metrics/http-metrics.ts';
import { changeTargets } from './change-log.ts';
import { USER_ACTOR_PREFIX } from '../users/user-actor.ts';
import { fastPath, KnownDocuments, type GraphQLContext } from './graphql-fast-path.ts';

/**
 * Nesting limit. The schemas themselves nest at most 6 deep; only introspection recurses (`__Type.fields.type...`),
 * and the standard introspection query GraphiQL and codegen send is 15 deep.
 */
export const MAX_QUERY_DEPTH = 15;
/** Parser limit: bounds parse and validation work long before the body limit does. */
export const MAX_TOKENS = 50_000;

/** Levels at which the `change` info line is written (change-log.ts). */
const CHANGE_LOG_LEVELS = new Set(['info', 'debug', 'trace']);

export interface GraphQLEndpointOptions {
  prefix: string;
  schemaFile: string;
  resolvers: IResolvers;
  tokens: TokenService;
  services: Services;
  introspection: boolean;
  rateLimiter?: RateLimiter;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** A POST's variables, taken out of the body before Mercurius sees them (see the preHandler below). */
    graphqlVariables?: Record<string, unknown>;
    /** What a mutation targets, for its `change` log line (change-log.ts); undefined for queries. */
    changeTargets?: string[];
  }
}

export async function mountGraphQL(app: FastifyInstance, opts: GraphQLEndpointOptions): Promise<void> {
  const graphiql = opts.introspection; // GraphiQL reads the schema by introspection: one switch for both
  await app.register(
    async (scope) => {
      // GraphiQL itself is served by graphiql-routes.ts, outside this scope and its authentication.
      scope.addHook('onRequest', bearerAuth(opts.tokens, graphiql ? `${opts.prefix}/graphiql` : undefined));
      if (opts.rateLimiter) scope.addHook('onRequest', rateLimitHook(opts.rateLimiter));
      // Mercurius' response schema types error paths as strings; plain JSON keeps list indices numbers.
      scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
      await graphqlOverHttp(scope, { path: '/graphql' });
      const context = (request: FastifyRequest): { ctx: Ctx } => ({
        ctx: { actor: request.actor ?? null, requestId: request.id, services: opts.services },
      });
      const formatErrors = (execution: ExecutionResult, context: GraphQLContext) => {
        const request = context.reply.request;
        // Mercurius wraps validation errors in one error whose `errors` holds the real ones.
        let flat = (execution.errors ?? []).flatMap((e) => {
          const inner = (e.originalError as { errors?: unknown } | undefined)?.errors;
          return Array.isArray(inner) ? (inner as GraphQLError[]) : [e as GraphQLError];
        });
        if (flat.some((e) => !e.path && e.message.startsWith('Variable "$'))) {
          const body = { ...(request.body as object), variables: request.graphqlVariables };
          flat = explainVariableErrors(context.app.graphql.schema, body as never) ?? flat;
        }
        const errors = flat.map((e) => formatGraphQLError(e, request.id, request.log));
        const response: { data?: unknown; errors: unknown[] } = { errors };
        if (execution.data !== undefined) response.data = execution.data;
        const mediaType = negotiateMediaType(request.headers.accept);
        const { status, allow } = graphqlStatus(execution, errors.map((e) => e.extensions?.code), mediaType);
        if (allow) context.reply.header('Allow', allow);
        return { statusCode: status, response: response as never };
      };
      // Only where the level lets the line be written (nothing changes the level later): Mercurius copies the hook
      // list into every request and awaits each hook, which a request pays for even when the hook does nothing.
      const changeLog = CHANGE_LOG_LEVELS.has(scope.log.level);
      const logChange = (execution: ExecutionResult, context: GraphQLContext) => {
        const request = context.reply.request;
        if (request.changeTargets === undefined) return;
        const codes = execution.errors?.map((e) => (e.extensions?.code as string | undefined) ?? 'ERROR');
        request.log.info(
          {
            // A person's token (GraphiQL's) names them by email: personal data stays out of logs (history has it).
            clientId: request.actor?.clientId.startsWith(USER_ACTOR_PREFIX) ? USER_ACTOR_PREFIX.slice(0, -1) : request.actor?.clientId,
            operation: request.graphqlOperation,
            targets: request.changeTargets,
            ...(codes?.length ? { errors: codes } : {}),
          },
          'change',
        );
      };
      const beforeExecution = (request: FastifyRequest, document: DocumentNode, operationName: string | undefined) => {
        request.graphqlOperation = operationLabel(document, operationName);
        // Mutations come by POST only, so their variables are the ones taken out of the body.
        if (CHANGE_LOG_LEVELS.has(request.log.level)) request.changeTargets = changeTargets(document, operationName, request.graphqlVariables);
      };
      const documents = new KnownDocuments(() => scope.graphql.schema);
      const fast = fastPath(scope, documents, { context, formatErrors, beforeExecution, afterExecution: changeLog ? logChange : undefined });
      // Mercurius coerces a request's variables with graphql-js before graphql-jit coerces them again (2 ms for a
      // 1,000-order updateOrders). Handing them over in preExecution instead leaves one coercion, the jit's.
      scope.addHook('preHandler', (request, reply, done) => {
        // In this scope a POST that found a route found the GraphQL one (graphql-over-http.ts has checked its body).
        if (request.method !== 'POST' || request.is404) return done();
        const body = request.body as { variables?: unknown };
        if (typeof body.variables === 'object' && body.variables !== null) {
          request.graphqlVariables = body.variables as Record<string, unknown>;
          body.variables = undefined; // not `delete`: that would turn the body into a slow dictionary object
        }
        if (!fast(request, reply)) done();
      });
      // Mercurius' GraphQL routes carry an async onRequest hook for its CSRF prevention, off here (no
      // `csrfPrevention`: Bearer tokens are not sent by browsers on their own), which costs every request a
      // promise; and the POST route a JSON schema for the body that refuseMalformed (graphql-over-http.ts) has
      // already enforced, and more strictly, before validation runs. Both are taken off the routes.
      scope.addHook('onRoute', (route) => {
        if (route.url !== `${scope.prefix}/graphql` || typeof route.onRequest !== 'function') return;
        route.onRequest = undefined;
        if (route.method === 'POST' && route.schema) {
          // Left out, not set to undefined: Fastify warns (FSTWRN001) at start-up about a body schema that is undefined.
          const { body: _body, ...rest } = route.schema;
          route.schema = rest;
        }
      });
      await scope.register(mercurius, {
        schema: fs.readFileSync(opts.schemaFile, 'utf8'),
        resolvers: opts.resolvers,
        path: '/graphql',
        graphiql: false,
        jit: 1,
        queryDepth: MAX_QUERY_DEPTH,
        allowBatchedQueries: false,
        graphql: { parseOptions: { maxTokens: MAX_TOKENS } },
        validationRules: [aliasLimitRule(), costLimitRule(), ...(opts.introspection ? [] : [NoSchemaIntrospectionCustomRule])],
        context,
        errorFormatter: (execution, context) => formatErrors(execution, context as unknown as GraphQLContext),
      });
      scope.graphql.addHook('preValidation', async (_schema, document) => guardDocument(document));
      if (changeLog) scope.graphql.addHook('onResolution', async (execution, context) => logChange(execution, context as unknown as GraphQLContext));
      scope.graphql.addHook('preExecution', async (_schema, document, context) => {
        const request = context.reply.request;
        const params = (request.method === 'GET' ? request.query : request.body) as { query: string; operationName?: string };
        beforeExecution(request, document, params.operationName);
        if (request.method === 'POST') documents.validated(params.query, params.operationName, document);
        const variables = request.graphqlVariables;
        // Mercurius keeps one compiled query per text, for whichever operation came first: another operation of a
        // document of several is run by graphql-js instead (the fast path compiles each one of its own).
        if (params.operationName !== undefined && hasSeveralOperations(document)) return { document, variables };
        return variables === undefined ? undefined : { variables };
      });
    },
    { prefix: opts.prefix },
  );
}

const operationCounts = new WeakMap<DocumentNode, boolean>();
/** Whether a (cached, so reused) document holds more than one operation. */
function hasSeveralOperations(document: DocumentNode): boolean {
  let several = operationCounts.get(document);
  if (several === undefined) {
    several = document.definitions.filter((d) => d.kind === 'OperationDefinition').length > 1;
    operationCounts.set(document, several);
  }
  return several;
}
