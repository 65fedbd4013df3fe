/**
 * Checking a person's email and password. Failures are counted with the token endpoint's limiter: per (account,
 * address) and per address, over either limit every attempt is refused until the window ends, a right one
 * included; failures of one account from all addresses raise an alarm (a log line) instead of locking it, or
 * anyone could lock anyone out by knowing their email.
 */
import { FailureLimiter } from '../auth/brute-force.ts';
import type { Executor } from '../db/database.ts';
import { DomainError } from '../errors/domain-error.ts';
import { decoyHash, passwordMatches } from './passwords.ts';
import { startSession } from './sessions.ts';
import { findUserByEmail } from './users.ts';

/** 10 failures per account from one address and 50 per address in 15 minutes; an alarm at 50 for one account. */
export function signInLimiter(onAlarm: (account: string, failures: number) => void): FailureLimiter {
  return new FailureLimiter({ windowMs: 15 * 60_000, perClientAddress: 10, perAddress: 50, clientAlarm: 50 }, onAlarm);
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
