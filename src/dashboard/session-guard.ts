/**
 * What stands in front of every dashboard page but sign-in: the session from the `og_session` cookie (or a
 * redirect to sign-in), the actor built from it, and on every state-changing request the session's CSRF token,
 * from the form's `_csrf` field or the `X-CSRF-Token` header. Also the cookie's settings.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Ctx, Services } from '../context.ts';
import { DomainError } from '../errors/domain-error.ts';
import { findLiveSession, type LiveSession, type SessionPolicy } from '../users/sessions.ts';
import { actorForSession } from '../users/user-actor.ts';

export const SESSION_COOKIE = 'og_session';

export interface DashRequest {
  session: LiveSession;
  ctx: Ctx;
}

declare module 'fastify' {
  interface FastifyRequest {
    dash?: DashRequest;
  }
}

/** The signed-in person of a guarded route (set by the guard before any handler runs). */
export function dashOf(request: FastifyRequest): DashRequest {
  return request.dash!;
}

export interface CookieSettings {
  /** `Secure` even on plain HTTP (behind a TLS-terminating proxy, which ORDERGRAPH_ISSUER https://… says). */
  alwaysSecure: boolean;
  maxAgeSeconds: number;
}

export function cookieOptions(request: FastifyRequest, c: CookieSettings) {
  return {
    path: '/dashboard',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: c.alwaysSecure || request.protocol === 'https',
    maxAge: c.maxAgeSeconds,
  };
}

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const csrfRefusal = (): DomainError =>
  new DomainError('FORBIDDEN', 'this form is missing its security token or comes from another site; reload the page and try again');

export function sessionGuard(services: Services, policy: SessionPolicy) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await findLiveSession(services.db.kysely, token, policy) : undefined;
    if (!session) {
      if (request.method === 'GET' || request.method === 'HEAD') {
        const back = request.url === '/dashboard' ? '' : `?next=${encodeURIComponent(request.url)}`;
        await reply.redirect(`/dashboard/sign-in${back}`, 303);
        return;
      }
      throw new DomainError('UNAUTHENTICATED', 'your session has ended; sign in again');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const body = request.body as Record<string, unknown> | undefined;
      if (!sameToken(body?._csrf ?? request.headers['x-csrf-token'], session.csrfToken)) throw csrfRefusal();
    }
    const actor = await actorForSession(services.db.kysely, session);
    request.dash = { session, ctx: { actor, requestId: request.id, services } };
  };
}
