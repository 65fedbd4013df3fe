/**
 * The one error type the domain throws. Codes are the closed list of SPEC §7; the message is for a person and
 * names the field and the rule. Anything that is not a DomainError is unexpected and gets masked at the edge.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'INSUFFICIENT_SCOPE'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'VERSION_CONFLICT'
  | 'INVALID_STATUS_TRANSITION'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** `field`, when given, is the input that named the missing thing (e.g. `organizationId`). */
export const notFound = (what: string, id: unknown, field?: string): DomainError =>
  field
    ? new DomainError('NOT_FOUND', `\`${field}\`: ${what} ${JSON.stringify(id)} was not found`, { field })
    : new DomainError('NOT_FOUND', `${what} ${JSON.stringify(id)} was not found`);

export const badInput = (field: string, rule: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `\`${field}\` ${rule}`, { field });

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
