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
      .select(['id as key', 'revoked_at as at'])
      .where('revoked_at', 'is not', null)
      .where('revoked_at', '>=', this.lastClientSeen)
      .execute();
    this.lastClientSeen = this.addClients(clients, this.lastClientSeen);
    // A person's tokens end when they are disabled, like their dashboard sessions.
    const users = await this.db
      .selectFrom('users')
      .select(['email', 'disabled_at as at'])
      .where('disabled_at', 'is not', null)
      .where('disabled_at', '>=', this.lastUserSeen)
      .execute();
    this.lastUserSeen = this.addClients(
      users.map((u) => ({ key: `${USER_ACTOR_PREFIX}${u.email}`, at: u.at })),
      this.lastUserSeen,
    );
    const now = Date.now() / 1000;
    for (const [jti, exp] of this.tokens) if (exp < now) this.tokens.delete(jti);
  }

  /** Adds the rows' keys to the revoked clients; returns the newest time among them, the next poll's mark. */
  private addClients(rows: { key: string; at: string | null }[], mark: string): string {
    for (const { key, at } of rows) {
      this.clients.add(key);
      if (at !== null && at > mark) mark = at;
    }
    return mark;
  }
}
