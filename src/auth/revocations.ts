/**
 * What is revoked, as the token service sees it: tokens (RFC 7009), whole clients, and disabled people (whose
 * GraphiQL tokens carry `user:<email>` as their client). Read from the database by a poll every half second, each
 * table from the last change seen, so revocation on any node is effective everywhere within a second.
 */
import type { Executor } from '../db/database.ts';
import { USER_ACTOR_PREFIX } from '../users/user-actor.ts';

export class Revocations {
  private readonly tokens = new Map<string, number>(); // jti → exp (s)
  /** Client ids, and `user:<email>` of disabled people. */
  private readonly clients = new Set<string>();
  private lastTokenSeen = '';
  private lastClientSeen = '';
  private lastUserSeen = '';

  constructor(private readonly db: Executor) {}

  has(claims: { jti: string; client_id: string }): boolean {
    return this.tokens.has(claims.jti) || this.clients.has(claims.client_id);
  }

  /** A token this node has just revoked (the poll would see it within half a second). */
  addToken(jti: string, exp: number): void {
    this.tokens.set(jti, exp);
  }

  async poll(): Promise<void> {
    const tokens = await this.db
      .selectFrom('revoked_tokens')
      .select(['jti', 'expires_at', 'revoked_at'])
      .where('revoked_at', '>=', this.lastTokenSeen)
      .execute();
    for (const t of tokens) {
      this.tokens.set(t.jti, Date.parse(t.expires_at) / 1000);
      if (t.revoked_at > this.lastTokenSeen) this.lastTokenSeen = t.revoked_at;
    }
    const clients = await this.db
      .selectFrom('clients')
      .select(['id', 'revoked_at'])
      .where('revoked_at', 'is not', null)
      .where('revoked_at', '>=', this.lastClientSeen)
      .execute();
    for (const c of clients) {
      this.clients.add(c.id);
      if (c.revoked_at! > this.lastClientSeen) this.lastClientSeen = c.revoked_at!;
    }
    // A person's tokens end when they are disabled, like their dashboard sessions.
    const users = await this.db
      .selectFrom('users')
      .select(['email', 'disabled_at'])
      .where('disabled_at', 'is not', null)
      .where('disabled_at', '>=', this.lastUserSeen)
      .execute();
    for (const u of users) {
      this.clients.add(`${USER_ACTOR_PREFIX}${u.email}`);
      if (u.disabled_at! > this.lastUserSeen) this.lastUserSeen = u.disabled_at!;
    }
    const now = Date.now() / 1000;
    for (const [jti, exp] of this.tokens) if (exp < now) this.tokens.delete(jti);
  }
}
