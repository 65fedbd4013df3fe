/**
 * Signing in and out. The sign-in form carries a token that must match a short-lived cookie (so another site
 * cannot sign a browser in to an account of its choosing); the session cookie is httpOnly and SameSite.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../context.ts';
import { isDomainError } from '../errors/domain-error.ts';
import type { FailureLimiter } from '../auth/brute-force.ts';
import { signIn } from '../users/sign-in.ts';
import { endSession, findLiveSession, type SessionPolicy } from '../users/sessions.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { cookieOptions, csrfRefusal, sameToken, SESSION_COOKIE, type CookieSettings } from './session-guard.ts';

const SIGN_IN_COOKIE = 'og_signin';

/** Only paths inside the dashboard are followed after sign-in (no open redirect). */
function nextPath(value: unknown): string {
  return typeof value === 'string' && /^\/dashboard(\/[\w\-./?=&%]*)?$/.test(value) && !value.includes('//') ? value : '/dashboard';
}

function signInPage(request: FastifyRequest, reply: FastifyReply, cookies: CookieSettings, opts: { email?: string; error?: string; next?: string; status?: number }) {
  const token = randomBytes(24).toString('base64url');
  reply.setCookie(SIGN_IN_COOKIE, token, { ...cookieOptions(request, cookies), maxAge: 3600 });
  const body = html`<div class="signin">
<h1>Sign in</h1>
${opts.error && html`<p class="error" role="alert">${opts.error}</p>`}
<form method="post" action="/dashboard/sign-in" hx-boost="false">
<input type="hidden" name="_signin" value="${token}">
<input type="hidden" name="next" value="${nextPath(opts.next)}">
<div class="field"><label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${opts.email ?? ''}"></div>
<div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<button type="submit">Sign in</button>
</form></div>`;
  return reply.code(opts.status ?? 200).type('text/html; charset=utf-8').send(page({ title: 'Sign in', body }).value);
}

export function signInRoutes(app: FastifyInstance, opts: { services: Services; policy: SessionPolicy; cookies: CookieSettings; limiter: FailureLimiter }): void {
  const db = opts.services.db.kysely;

  app.get<{ Querystring: { next?: string } }>('/sign-in', (request, reply) => signInPage(request, reply, opts.cookies, { next: request.query.next }));

  app.post<{ Body: Record<string, string | undefined> }>('/sign-in', async (request, reply) => {
    const b = request.body ?? {};
    const email = b.email ?? '';
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || b._signin !== expected) {
      return signInPage(request, reply, opts.cookies, { email, next: b.next, status: 403, error: 'The sign-in form expired; please try again.' });
    }
    try {
      const { token } = await signIn(db, opts.limiter, { email, password: b.password ?? '', ip: request.ip });
      reply.clearCookie(SIGN_IN_COOKIE, { path: '/dashboard' });
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(request, opts.cookies));
      return reply.redirect(nextPath(b.next), 303);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      const status = e.code === 'RATE_LIMITED' ? 429 : 401;
      if (status === 429) reply.header('retry-after', String(e.details?.retryAfter ?? 60));
      return signInPage(request, reply, opts.cookies, { email, next: b.next, status, error: e.message });
    }
  });

  // Ends the session in the database (every node stops accepting it) and drops the cookie. Needs the CSRF
  // token like every other change, so another site cannot sign a person out.
  app.post<{ Body: Record<string, string | undefined> }>('/sign-out', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await findLiveSession(db, token, opts.policy) : undefined;
    if (session && !sameToken(request.body?._csrf, session.csrfToken)) throw csrfRefusal();
    if (session) await endSession(db, session);
    reply.clearCookie(SESSION_COOKIE, { path: '/dashboard' });
    return reply.redirect('/dashboard/sign-in', 303);
  });
}
