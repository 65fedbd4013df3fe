/**
 * `/dashboard`: pages for people, served by the same process (SPEC §10). Server-rendered HTML, enhanced by htmx;
 * every change goes through the same domain commands as the APIs, as an actor built from the signed-in person.
 * Cookies and form bodies are parsed only inside this plugin: the APIs stay as they were.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { Services } from '../context.ts';
import { isDomainError, type ErrorCode } from '../errors/domain-error.ts';
import type { SessionPolicy } from '../users/sessions.ts';
import { signInLimiter } from '../users/sign-in.ts';
import { assetRoutes } from './assets.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { sessionGuard, type CookieSettings } from './session-guard.ts';
import { signInRoutes } from './sign-in-pages.ts';
import { orderPages } from './order-pages.ts';
import { webhookPages } from './webhook-pages.ts';
import { clientPages } from './client-pages.ts';
import { userPages } from './user-pages.ts';
import { queuePages } from './queue-pages.ts';
import { deliveryOrderPages } from './delivery-order-pages.ts';

export interface DashboardOptions {
  services: Services;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** The public URL (ORDERGRAPH_ISSUER): an https one means cookies are Secure even behind a proxy. */
  issuer: string | undefined;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  VERSION_CONFLICT: 409,
};

// Scripts and styles only from this server; no framing; forms post only here.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export async function dashboardPlugin(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  await app.register(cookie);
  await app.register(formbody);
  const policy: SessionPolicy = { idleMs: opts.sessionIdleMinutes * 60_000, absoluteMs: opts.sessionMaxHours * 3_600_000 };
  const cookies: CookieSettings = { alwaysSecure: opts.issuer?.startsWith('https://') ?? false, maxAgeSeconds: opts.sessionMaxHours * 3600 };

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('cache-control', 'no-store');
  });

  // Every error is a page: a person reads it, and htmx swaps it in like any other.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let message: string;
    if (isDomainError(error)) {
      status = STATUS[error.code] ?? 400;
      message = error.message;
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      message = error.message;
    } else {
      request.log.error({ err: error }, 'dashboard error');
      status = 500;
      message = `Something went wrong on our side; quote request id ${request.id} when reporting it.`;
    }
    const session = request.dash?.session;
    const body = html`<h1>${status === 404 ? 'Not found' : status === 403 ? 'Refused' : 'Something went wrong'}</h1>
<p class="error" role="alert">${message}</p><p><a href="/dashboard">Back to the dashboard</a></p>`;
    return reply.code(status).type('text/html; charset=utf-8').send(page({ title: 'Error', session, body }).value);
  });

  assetRoutes(app);
  signInRoutes(app, {
    services: opts.services,
    policy,
    cookies,
    limiter: signInLimiter((account, failures) =>
      app.log.warn({ account, failures }, 'many failed dashboard sign-ins for one account (from several addresses)'),
    ),
  });

  await app.register(async (guarded) => {
    guarded.addHook('preHandler', sessionGuard(opts.services, policy));
    guarded.get('/', async (request, reply) =>
      reply.redirect(request.dash!.session.organization.kind === 'MERCHANT' ? '/dashboard/orders' : '/dashboard/queue', 303),
    );
    orderPages(guarded);
    queuePages(guarded);
    deliveryOrderPages(guarded);
    webhookPages(guarded);
    clientPages(guarded);
    userPages(guarded);
  });
}
