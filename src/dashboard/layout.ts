/**
 * The page shell every dashboard page shares: head (stylesheet, htmx and its settings), navigation for the
 * person's kind of organization, the flash message, and the main content. htmx boosts links and forms into
 * in-place swaps; without JavaScript the same links and forms work as plain pages.
 */
import { CSS_URL, HTMX_URL } from './assets.ts';
import { html, type SafeHtml } from './html.ts';
import type { Flash } from './flash.ts';
import type { LiveSession } from '../users/sessions.ts';

// Every response is a whole page, so htmx swaps whatever status it gets; no history snapshots in localStorage
// (they would outlive a sign-out), no inline styles, not even settled `style` attributes (the CSP forbids
// them), no eval.
const HTMX_CONFIG = JSON.stringify({
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  attributesToSettle: ['class', 'width', 'height'],
  responseHandling: [{ code: '204', swap: false }, { code: '...', swap: true }],
});

interface NavItem {
  href: string;
  label: string;
}

function navFor(session: LiveSession): NavItem[] {
  const items: NavItem[] =
    session.organization.kind === 'MERCHANT'
      ? [{ href: '/dashboard/orders', label: 'Orders' }, { href: '/dashboard/webhooks', label: 'Webhooks' }]
      : [{ href: '/dashboard/queue', label: 'Work queue' }, { href: '/dashboard/webhooks', label: 'Webhooks' }];
  if (session.user.role === 'admin') items.push({ href: '/dashboard/clients', label: 'API clients' }, { href: '/dashboard/users', label: 'Users' });
  return items;
}

export function page(opts: { title: string; session?: LiveSession; current?: string; flash?: Flash; body: SafeHtml }): SafeHtml {
  const { session, flash } = opts;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${opts.title} · Ordergraph</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CSS_URL}">
<script src="${HTMX_URL}" defer></script>
</head>
<body hx-boost="true">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<strong>Ordergraph</strong>
${session &&
  html`<nav aria-label="Main"><ul>${navFor(session).map(
    (i) => html`<li><a href="${i.href}"${opts.current === i.href ? html` aria-current="page"` : null}>${i.label}</a></li>`,
  )}</ul></nav>
<div class="who"><span>${session.user.email} · ${session.organization.name} (${session.user.role})</span>
<form class="inline" method="post" action="/dashboard/sign-out">${csrfField(session)}<button type="submit">Sign out</button></form></div>`}
</header>
<main id="main" tabindex="-1">
${flash && html`<p class="${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</p>`}
${opts.body}
</main>
</body>
</html>`;
}

/** The hidden field every state-changing form carries (checked in session-guard.ts). */
export function csrfField(session: LiveSession): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A one-button form that POSTs to `action` (open, cancel, revoke…). */
export function actionButton(session: LiveSession, action: string, label: string, opts: { danger?: boolean } = {}): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">${csrfField(session)}<button type="submit"${opts.danger ? html` class="danger"` : null}>${label}</button></form>`;
}

/** ISO timestamps as people read them, in UTC (the server does not know the reader's zone). */
export function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 19).replace('T', ' ')} UTC</time>`;
}
