/**
 * The GraphQL POST path for a document seen before: Mercurius, for every request, builds a context in an awaited
 * function, runs its lifecycle hooks through awaited runners, wraps the variables our preExecution hook hands back
 * in a fresh object and settles a few promises more — about a tenth of a DRAFT `orderUpdate`'s server time on
 * SQLite. A POST whose document (and operation name) Mercurius has already parsed, validated and seen twice is
 * run here instead, from our own preHandler, with the same graphql-jit compilation, context, error formatting,
 * status codes, metrics label and change log; Mercurius still answers everything else (GET, a document's first
 * two sights, anything that fails parsing or validation).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DocumentNode, ExecutionResult, GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Ctx } from '../context.ts';
import { BoundedMap } from '../bounded-map.ts';

/** Documents kept per dialect, as Mercurius' own parse cache (its `cache` option's default). */
const MAX_DOCUMENTS = 1000;

type Run = (root: unknown, context: unknown, variables: Record<string, unknown>) => ExecutionResult | Promise<ExecutionResult>;

interface Known {
  document: DocumentNode;
  /** The compiled query, from the document's second validated sight on (Mercurius' `jit: 1`). */
  run?: Run;
}

/** What Mercurius' context holds for our resolvers, hooks and error formatter. */
export interface GraphQLContext {
  ctx: Ctx;
  reply: FastifyReply;
  app: FastifyInstance;
  errors: null;
}

export interface FastPathOptions {
  /** The context's own part (Mercurius' `context` option). */
  context: (request: FastifyRequest) => { ctx: Ctx };
  /** Mercurius' `errorFormatter`, as registered. */
  formatErrors: (execution: ExecutionResult, context: GraphQLContext) => { statusCode: number; response: unknown };
  /** What the preExecution hook records on the request (metrics label, change targets). */
  beforeExecution: (request: FastifyRequest, document: DocumentNode, operationName: string | undefined) => void;
  /** The onResolution hook, if one is registered. */
  afterExecution?: (execution: ExecutionResult, context: GraphQLContext) => void;
}

/** Validated documents by query text and operation name: a bounded map, oldest out first. */
export class KnownDocuments {
  readonly #byKey = new BoundedMap<string, Known>(MAX_DOCUMENTS);

  constructor(private readonly schema: () => GraphQLSchema) {}

  /** The key never confuses an operation name with the start of a query text (`-` is no digit). */
  static key(query: string, operationName: string | undefined): string {
    return operationName === undefined ? `-${query}` : `${operationName.length}:${operationName}:${query}`;
  }

  get(query: string, operationName: string | undefined): Known | undefined {
    return this.#byKey.get(KnownDocuments.key(query, operationName));
  }

  /** A document Mercurius has validated for this query text: remembered at first, compiled at its second sight. */
  validated(query: string, operationName: string | undefined, document: DocumentNode): void {
    const key = KnownDocuments.key(query, operationName);
    const known = this.#byKey.get(key);
    if (known === undefined) {
      this.#byKey.set(key, { document });
    } else if (known.run === undefined) {
      const compiled = compileQuery(this.schema(), known.document, operationName);
      if (isCompiledQuery(compiled)) known.run = compiled.query as Run;
    }
  }

  get size(): number {
    return this.#byKey.size;
  }
}

const isPromise = (v: unknown): v is Promise<ExecutionResult> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** As Mercurius does: errors formatted into the result, its status set, then the onResolution hook, then the reply. */
function settle(execution: ExecutionResult, context: GraphQLContext, opts: FastPathOptions): void {
  if (execution.errors) {
    const { statusCode, response } = opts.formatErrors(execution, context);
    const formatted = response as ExecutionResult;
    (execution as { data?: unknown }).data = formatted.data;
    (execution as { errors?: unknown }).errors = formatted.errors;
    context.reply.code(statusCode);
  }
  opts.afterExecution?.(execution, context);
  context.reply.send(execution);
}

/**
 * Answers a well-formed POST (graphql-over-http.ts has checked it) whose document is compiled, and says so;
 * returns false, untouched, for every other request (Mercurius' route handler answers it). No named closures
 * per request: tsx (esbuild `keepNames`) wraps each in a `__name` call that costs more than the closure.
 */
export function fastPath(app: FastifyInstance, documents: KnownDocuments, opts: FastPathOptions) {
  return (request: FastifyRequest, reply: FastifyReply): boolean => {
    const body = request.body as { query: string; operationName?: string };
    const known = documents.get(body.query, body.operationName);
    if (known?.run === undefined) return false;
    opts.beforeExecution(request, known.document, body.operationName);
    const context: GraphQLContext = Object.assign(opts.context(request), { reply, app, errors: null });
    try {
      const result = known.run(undefined, context, request.graphqlVariables ?? {});
      if (isPromise(result)) result.then((execution) => settle(execution, context, opts)).catch((err) => reply.send(err));
      else settle(result, context, opts);
    } catch (err) {
      reply.send(err);
    }
    return true;
  };
}
