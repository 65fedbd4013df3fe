/**
 * Maps errors to GraphQL responses: a DomainError keeps its code and message; a syntax, validation or variable
 * error is BAD_USER_INPUT; anything else is masked as INTERNAL_SERVER_ERROR with the request id to quote, and
 * logged in full.
 */
import { GraphQLError, getOperationAST, parse, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { FastifyBaseLogger } from 'fastify';
import { isDomainError } from '../errors/domain-error.ts';

/** Errors of the request itself: Fastify's and Mercurius's 4xx (bad JSON, too large, wrong method). */
function isClientError(e: unknown): boolean {
  const status = (e as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function formatGraphQLError(error: GraphQLError, requestId: string, log: FastifyBaseLogger): GraphQLFormattedError {
  const original = error.originalError as Error | undefined;
  // graphql-jit reports list indices as strings; field names never start with a digit, so these are indices.
  const path = error.path?.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
  const base = { locations: error.locations, path };
  if (original && isDomainError(original)) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.details } };
  }
  if (original instanceof GraphQLError && original.originalError && isDomainError(original.originalError)) {
    return formatGraphQLError(original, requestId, log);
  }
  // Refused before anything ran: syntax, validation and variable errors (they point into the document, or are
  // GraphQL's own), and the HTTP layer's 4xx. Anything else without a path failed unexpectedly.
  const refused = !error.path && (!original || original instanceof GraphQLError || isClientError(original) || error.locations !== undefined);
  if (refused) {
    return { ...base, message: error.message, extensions: { code: error.extensions?.code === 'RATE_LIMITED' ? 'RATE_LIMITED' : 'BAD_USER_INPUT' } };
  }
  log.error({ err: original ?? error, requestId }, 'unexpected error while handling a GraphQL request');
  return {
    ...base,
    message: `Internal server error; quote request id ${requestId} when reporting it`,
    extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
  };
}

/**
 * graphql-jit's variable errors do not name the path of the bad value ("input.lines[0].quantity"); graphql-js's
 * do. On that error path only, coerce the variables again with graphql-js for a message a person can act on.
 */
export function explainVariableErrors(
  schema: GraphQLSchema,
  body: { query?: unknown; variables?: unknown; operationName?: unknown } | undefined,
): GraphQLError[] | undefined {
  try {
    if (typeof body?.query !== 'string') return undefined;
    const operation = getOperationAST(parse(body.query), typeof body.operationName === 'string' ? body.operationName : undefined);
    if (!operation) return undefined;
    const result = getVariableValues(schema, operation.variableDefinitions ?? [], (body.variables ?? {}) as Record<string, unknown>);
    return result.errors ? [...result.errors] : undefined;
  } catch {
    return undefined;
  }
}
