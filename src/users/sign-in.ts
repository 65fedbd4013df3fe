/**
 * Checking a person's email and password. Failures are counted per account and per address (the same limiter the
 * token endpoint uses); over either limit every attempt is refused until the window ends, a right one included.
 */
import { FailureLimiter } from '../auth/brute-force.ts';
import type { Executor } from '../db/database.ts';
import { DomainError } from '../errors/domain-error.ts';
import { decoyHash, passwordMatches } from './passwords.ts';
import { startSession } from './sessions.ts';
import { findUserByEmail } from './users.ts';

/** 10 failures per account and 50 per address in 15 minutes. */
export function signInLimiter(): FailureLimiter {
  return new FailureLimiter(15 * 60_000, 10, 50);
}

export async function signIn(
  db: Executor,
  limiter: FailureLimiter,
  input: { email: string; password: string; ip: string },
): Promise<{ token: string; csrfToken: string }> {
  const account = input.email.trim().toLowerCase();
  const wait = limiter.retryAfter(account, input.ip);
  if (wait > 0) throw new DomainError('RATE_LIMITED', `too many failed sign-ins; try again in ${Math.ceil(wait / 60)} minute(s)`, { retryAfter: wait });
  const user = account ? await findUserByEmail(db, account) : undefined;
  // A missing account costs the same hash as a wrong password, so timing does not tell which emails exist.
  const ok = await passwordMatches(input.password, user?.password_hash ?? (await decoyHash()));
  if (!user || !ok || user.disabled_at !== null) {
    limiter.recordFailure(account, input.ip);
    throw new DomainError('UNAUTHENTICATED', 'the email or the password is wrong, or the account is disabled');
  }
  return startSession(db, user.id);
}
