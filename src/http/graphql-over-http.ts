/**
 * GraphQL over HTTP (https://graphql.github.io/graphql-over-http/) around Mercurius, for one dialect's scope:
 * - media types: `Accept: application/graphql-response+json` is answered in that type, anything else in
 *   `application/json` (the default when Accept is missing or names neither);
 * - well-formed requests only: one JSON object (no batches) with a non-empty string `query` and, when present,
 *   a map `variables`, a string `operationName` and a map `extensions` (null counts as absent) — else 400;
 *   request bodies in `application/json` (or `application/graphql`) only — else 415; other methods 405;
 * - no NUL character (U+0000) in any string or key of `variables`, nor as an escape in the document: PostgreSQL
 *   text cannot hold it, so it is refused here, alike on both databases, as a GraphQL error (BAD_USER_INPUT);
 * - status codes (`graphqlStatus`): a request GraphQL refuses before executing (syntax, validation, variables)
 *   is 200 in `application/json` (SPEC §7) and 400 in `application/graphql-response+json`; a mutation over GET is
 *   405 with `Allow: POST`; malformed or oversized bodies keep their 400/413/415; unexpected failures are 500.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json';
export const APPLICATION_JSON = 'application/json';
export type GraphQLMediaType = typeof GRAPHQL_RESPONSE_JSON | typeof APPLICATION_JSON;

/** The response media type for an Accept header: the acceptable type with the highest q, specific before wildcards. */
export function negotiateMediaType(accept: string | string[] | undefined): GraphQLMediaType {
  if (!accept) return APPLICATION_JSON;
  let best: { type: GraphQLMediaType; q: number; specific: boolean } | undefined;
  for (const range of String(accept).split(',')) {
    const [rawType, ...params] = range.split(';');
    const type = rawType.trim().toLowerCase();
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    let candidate: GraphQLMediaType | undefined;
    if (type === GRAPHQL_RESPONSE_JSON) candidate = GRAPHQL_RESPONSE_JSON;
    else if (type === APPLICATION_JSON || type === 'application/*' || type === '*/*') candidate = APPLICATION_JSON;
    if (!candidate) continue;
    const specific = !type.endsWith('*');
    if (!best || q > best.q || (q === best.q && specific && !best.specific)) best = { type: candidate, q, specific };
  }
  return best?.type ?? APPLICATION_JSON;
}

/** A refusal in the shape of a GraphQL response, so every client can read it. */
function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] });
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a GraphQL request's parameters are malformed, or undefined when they are fine. Nulls are removed. */
export function checkParameters(params: Record<string, unknown>, fromQueryString: boolean): string | undefined {
  for (const key of ['variables', 'operationName', 'extensions']) if (params[key] === null) delete params[key];
  const { query, variables, operationName, extensions } = params;
  if (query === undefined) return 'the request must have a `query` parameter (a GraphQL document)';
  if (typeof query !== 'string') return '`query` must be a string holding a GraphQL document';
  if (query.trim() === '') return '`query` must not be empty';
  if (operationName !== undefined && typeof operationName !== 'string') return '`operationName` must be a string';
  for (const [name, value] of [['variables', variables], ['extensions', extensions]] as const) {
    if (value === undefined) continue;
    if (fromQueryString) {
      if (typeof value !== 'string') return `\`${name}\` must be given once, as a JSON object`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return `\`${name}\` must be a JSON object (it is not valid JSON)`;
      }
      if (parsed !== null && !isMap(parsed)) return `\`${name}\` must be a JSON object`;
    } else if (!isMap(value)) {
      return `\`${name}\` must be a map (a JSON object)`;
    }
  }
  return undefined;
}

/** The path of the first string or key holding U+0000 in `value` (iterative: variables may nest deeply). */
export function findNul(value: unknown, root = 'variables'): string | undefined {
  interface Item {
    v: unknown;
    up?: Item;
    key?: string | number;
  }
  // Paths are built only for the one value found: building one per value would be quadratic in the depth.
  const pathOf = (item: Item): string => {
    const parts: string[] = [];
    for (let i: Item | undefined = item; i?.key !== undefined; i = i.up) parts.push(typeof i.key === 'number' ? `[${i.key}]` : `.${i.key}`);
    return root + parts.reverse().join('');
  };
  const stack: Item[] = [{ v: value }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.v;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return pathOf(item);
    } else if (Array.isArray(v)) {
      v.forEach((child, key) => stack.push({ v: child, up: item, key }));
    } else if (isMap(v)) {
      for (const [key, child] of Object.entries(v)) {
        if (key.includes('\u0000')) return `${pathOf(item)} (a key)`;
        stack.push({ v: child, up: item, key });
      }
    }
  }
  return undefined;
}

/** `\u0000` or `\u{0}` in a GraphQL string literal. */
const NUL_ESCAPE = /\\u(0000|\{0+\})/i;

/** Registers the protocol rules on one dialect's scope; `path` is the GraphQL route inside it (e.g. `/graphql`). */
export async function graphqlOverHttp(scope: FastifyInstance, opts: { path: string }): Promise<void> {
  // Fastify parses text/plain by default; a GraphQL request in it is not one (and is a CSRF-prone simple request).
  scope.removeContentTypeParser('text/plain');
  // JSON can carry U+0000 only as the escape `\u0000`: a body whose text has none needs no walk of its variables.
  const json = scope.getDefaultJsonParser('error', 'error');
  const bodiesWithNul = new WeakSet<FastifyRequest>();
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.includes('\\u0000')) bodiesWithNul.add(request);
    // Fastify's parser (secure-json-parse) refuses keys spelled __proto__ or constructor, plainly or with \u
    // escapes; a text without those can only parse the same way, so it skips the parser's scans of the text.
    if (!text.includes('\\u') && !text.includes('__proto__') && !text.includes('constructor')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return json(request, text, done); // its error, as for every malformed body
      }
      return done(null, parsed);
    }
    return json(request, text, done);
  });

  // A callback hook: its checks never wait, and an async one would cost every request a promise.
  scope.addHook('preValidation', (request, reply, done) => {
    if (refuseMalformed(request, reply) === undefined) done();
  });

  /** Answers a request that breaks the protocol's rules (and returns the reply); undefined for a good one. */
  function refuseMalformed(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    // Every route of this scope is the GraphQL path (the other methods' 405 route included, which is let through
    // below); `is404` is a field read, where `routeOptions` builds a 12-field object on every request.
    if (request.is404) return undefined;
    if (request.method === 'POST') {
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(request.headers['content-type'] ?? ''))?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) return refuse(reply, 415, `only UTF-8 request bodies are accepted, not ${charset}`);
      if (Array.isArray(request.body)) {
        return refuse(reply, 400, 'batched requests are not supported: send one operation per request');
      }
      if (!isMap(request.body)) return refuse(reply, 400, 'the request body must be a JSON object: {"query": "...", "variables": {...}}');
      const problem = checkParameters(request.body, false);
      if (problem) return refuse(reply, 400, problem);
    } else if (request.method === 'GET') {
      const problem = checkParameters((request.query ?? {}) as Record<string, unknown>, true);
      if (problem) return refuse(reply, 400, problem);
    } else {
      return undefined;
    }
    const params = (request.method === 'POST' ? request.body : request.query) as Record<string, unknown>;
    const variables = typeof params.variables === 'string' ? JSON.parse(params.variables) : params.variables;
    const mayHoldNul = request.method === 'GET' || bodiesWithNul.has(request);
    const nul = (mayHoldNul ? findNul(variables) : undefined) ?? (NUL_ESCAPE.test(params.query as string) ? 'query' : undefined);
    if (nul) {
      // A value GraphQL accepts but the server cannot: a GraphQL error, 200 in application/json (SPEC §7).
      const status = negotiateMediaType(request.headers.accept) === GRAPHQL_RESPONSE_JSON ? 400 : 200;
      return refuse(reply, status, `\`${nul}\` must not contain the NUL character (U+0000)`);
    }
    return undefined;
  }

  // The endpoint speaks GET (queries) and POST; every other method is told so.
  scope.route({
    method: ['PUT', 'PATCH', 'DELETE'],
    url: opts.path,
    handler: async (request, reply) =>
      refuse(reply.header('Allow', 'GET, POST'), 405, `${request.method} is not allowed here: use POST (or GET for queries)`),
  });

  scope.addHook('onSend', (request, reply, payload, done) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (reply.statusCode !== 429 && type.startsWith(APPLICATION_JSON) && negotiateMediaType(request.headers.accept) === GRAPHQL_RESPONSE_JSON) {
      reply.header('content-type', `${GRAPHQL_RESPONSE_JSON}; charset=utf-8`);
    }
    done(null, payload);
  });
}

interface ExecutionLike {
  data?: unknown;
  errors?: readonly { originalError?: unknown }[];
}

/**
 * The HTTP status of a GraphQL response with errors (`codes` are the formatted errors' codes). Once execution
 * has started (`data` is present) it is 200; before that it depends on what refused the request.
 */
export function graphqlStatus(execution: ExecutionLike, codes: readonly unknown[], mediaType: GraphQLMediaType): { status: number; allow?: string } {
  if (execution.data !== undefined) return { status: 200 };
  if (codes.includes('INTERNAL_SERVER_ERROR')) return { status: 500 };
  const origin = (execution.errors?.length === 1 ? execution.errors[0].originalError : undefined) as
    | { statusCode?: unknown; code?: unknown }
    | undefined;
  if (origin?.code === 'MER_ERR_METHOD_NOT_ALLOWED') return { status: 405, allow: 'POST' };
  const status = origin?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && origin?.code !== 'MER_ERR_GQL_VALIDATION') return { status };
  // Syntax, validation and variable errors: a GraphQL response like any other in application/json (SPEC §7).
  return { status: mediaType === GRAPHQL_RESPONSE_JSON ? 400 : 200 };
}
