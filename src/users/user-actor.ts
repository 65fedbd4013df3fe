/**
 * The actor a signed-in person acts as: their organization, the organizations its live API clients may act on,
 * and their role's scopes. So a person sees exactly what their organization's clients could see, through the same
 * domain commands and their checks. History names them as `user:<email>` in the actor's client id field.
 */
import type { Actor } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { roleScopes } from './users.ts';
import type { LiveSession } from './sessions.ts';

export const USER_ACTOR_PREFIX = 'user:';

export async function actorForSession(db: Executor, session: LiveSession): Promise<Actor> {
  const clients = await db
    .selectFrom('clients')
    .select('access')
    .where('organization_id', '=', session.organization.id)
    .where('revoked_at', 'is', null)
    .execute();
  const organizationIds = new Set([session.organization.id]);
  for (const c of clients) for (const id of JSON.parse(c.access) as string[]) organizationIds.add(id);
  return {
    clientId: `${USER_ACTOR_PREFIX}${session.user.email}`,
    organizationId: session.organization.id,
    organizationIds,
    scopes: new Set(roleScopes(session.organization.kind, session.user.role)),
  };
}

/** How history and requests name who acted: a person's email, or the API client's id. */
export function actorName(clientId: string | null): string {
  if (clientId === null) return 'system';
  return clientId.startsWith(USER_ACTOR_PREFIX) ? clientId.slice(USER_ACTOR_PREFIX.length) : `API client ${clientId}`;
}
