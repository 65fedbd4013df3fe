/** The closed list of scopes (SPEC §2) and the checks on them. */
import { DomainError } from '../errors/domain-error.ts';
import type { Actor, Ctx } from '../context.ts';

export const SCOPES = [
  'view_orders',
  'create_orders',
  'edit_orders',
  'edit_integrations',
  // Delivery orders (SPEC §8), HappyColis names: read a merchant order's parts; reroute a rejected part.
  'view_delivery_orders',
  'edit_delivery_orders',
  // Shipments (SPEC §8), HappyColis names: read parcels; create them; add carrier events.
  'view_shipments',
  'create_shipments',
  'edit_shipments',
  'order-it.order-manager.view',
  'order-it.order-manager.edit',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** Splits a space-separated scope string (RFC 6749 §3.3), dropping empty parts and duplicates. */
export function parseScopes(value: string): string[] {
  return [...new Set(value.split(/\s+/).filter(Boolean))];
}

/** The acting client, or UNAUTHENTICATED; then INSUFFICIENT_SCOPE unless the token carries `scope`. */
export function requireScope(ctx: Ctx, scope: Scope): Actor {
  const actor = ctx.actor;
  if (!actor) throw new DomainError('UNAUTHENTICATED', 'a valid access token is required');
  if (!actor.scopes.has(scope) && !actor.scopes.has('admin')) {
    throw new DomainError('INSUFFICIENT_SCOPE', `this operation requires the scope \`${scope}\``, { scope });
  }
  return actor;
}

/** True when the actor may act on every one of the given organizations. */
export function canAccess(actor: Actor, ...organizationIds: (string | null | undefined)[]): boolean {
  return organizationIds.every((id) => id != null && actor.organizationIds.has(id));
}
