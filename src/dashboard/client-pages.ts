/** API clients of the person's organization (admins only): create one (its secret shown once) and revoke. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createClient, listClients, revokeClient } from '../auth/clients.ts';
import { notFound } from '../errors/domain-error.ts';
import { requireOrganizationAdmin, roleScopes } from '../users/users.ts';
import { html, type SafeHtml } from './html.ts';
import { actionButton, csrfField } from './layout.ts';
import { formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

async function clientsPage(request: FastifyRequest, reply: FastifyReply, created?: SafeHtml): Promise<FastifyReply> {
  const { ctx, session } = dashOf(request);
  const clients = await listClients(ctx.services.db.kysely, session.organization.id);
  const scopes = roleScopes(session.organization.kind, 'admin');
  const body = html`<h1>API clients</h1>${created}
<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Scopes</th><th scope="col">State</th></tr></thead>
<tbody>${clients.map(
    (c) => html`<tr><td>${c.name}</td><td><code>${c.clientId}</code></td><td>${c.scopes.join(' ')}</td>
<td>${c.revoked ? 'revoked' : actionButton(session, `/dashboard/clients/${c.clientId}/revoke`, 'Revoke', { danger: true })}</td></tr>`,
  )}</tbody></table></div>
<h2 id="new-client">New API client</h2>
<form method="post" action="/dashboard/clients" aria-labelledby="new-client">${csrfField(session)}
<div class="field"><label for="name">Name</label><input id="name" name="name" required></div>
<fieldset><legend>Scopes</legend>${scopes.map(
    (s, i) => html`<div><input type="checkbox" id="sc-${i}" name="scopes" value="${s}" checked> <label for="sc-${i}">${s}</label></div>`,
  )}</fieldset>
<p><button type="submit">Create client</button></p></form>`;
  return sendPage(request, reply, { title: 'API clients', current: '/dashboard/clients', body });
}

export function clientPages(app: FastifyInstance): void {
  app.get('/clients', (request, reply) => {
    requireOrganizationAdmin(dashOf(request).session.user);
    return clientsPage(request, reply);
  });

  // Answered with the page itself, not a redirect: the secret must not travel in a URL.
  app.post<{ Body: { name?: string; scopes?: string | string[] } }>('/clients', async (request, reply) => {
    const { session, ctx } = dashOf(request);
    requireOrganizationAdmin(session.user);
    const allowed = roleScopes(session.organization.kind, 'admin') as string[];
    const scopes = ([] as string[]).concat(request.body.scopes ?? []).filter((s) => allowed.includes(s));
    const c = await createClient(ctx.services.db.kysely, { organizationId: session.organization.id, name: formText(request.body, 'name') ?? '', scopes: scopes.join(' ') });
    const created = html`<div class="notice" role="status"><p>Client <strong>${c.name}</strong> created. Copy its secret now: it is shown only once.</p>
<dl class="facts"><dt>client_id</dt><dd><code class="secret">${c.client_id}</code></dd><dt>client_secret</dt><dd><code class="secret" id="client-secret">${c.client_secret}</code></dd></dl></div>`;
    return clientsPage(request, reply, created);
  });

  app.post<{ Params: { id: string } }>('/clients/:id/revoke', (request, reply) =>
    runAction(request, reply, '/dashboard/clients', async () => {
      const { session, ctx } = dashOf(request);
      requireOrganizationAdmin(session.user);
      const db = ctx.services.db.kysely;
      const own = (await listClients(db, session.organization.id)).some((c) => c.clientId === request.params.id);
      if (!own || !(await revokeClient(db, request.params.id))) throw notFound('client', request.params.id);
      return `Client ${request.params.id} revoked: its tokens stop working within a second`;
    }),
  );
}
