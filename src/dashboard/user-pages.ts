/** The organization's people (admins only): add one (a generated password shown once) and disable. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createUser, disableUser, listUsers, requireOrganizationAdmin, ROLES } from '../users/users.ts';
import { html, type SafeHtml } from './html.ts';
import { actionButton, csrfField, when } from './layout.ts';
import { formText, runAction, sendPage } from './responses.ts';
import { dashOf } from './session-guard.ts';

async function usersPage(request: FastifyRequest, reply: FastifyReply, created?: SafeHtml): Promise<FastifyReply> {
  const { ctx, session } = dashOf(request);
  const users = await listUsers(ctx.services.db.kysely, session.organization.id);
  const body = html`<h1>Users</h1>${created}
<div class="table-wrap"><table><thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col">State</th></tr></thead>
<tbody>${users.map(
    (u) => html`<tr><td>${u.email}</td><td>${u.role}</td><td>${when(u.createdAt)}</td>
<td>${u.disabled ? 'disabled' : u.id === session.user.id ? 'you' : actionButton(session, `/dashboard/users/${u.id}/disable`, 'Disable', { danger: true })}</td></tr>`,
  )}</tbody></table></div>
<h2 id="new-user">New user</h2>
<form method="post" action="/dashboard/users" aria-labelledby="new-user">${csrfField(session)}
<div class="grid"><div class="field"><label for="email">Email</label><input id="email" name="email" type="email" required></div>
<div class="field"><label for="role">Role</label><select id="role" name="role">${ROLES.map((r) => html`<option${r === 'operator' ? html` selected` : null}>${r}</option>`)}</select></div></div>
<p class="muted">A password is generated and shown once.</p>
<p><button type="submit">Add user</button></p></form>`;
  return sendPage(request, reply, { title: 'Users', current: '/dashboard/users', body });
}

export function userPages(app: FastifyInstance): void {
  app.get('/users', (request, reply) => {
    requireOrganizationAdmin(dashOf(request).session.user);
    return usersPage(request, reply);
  });

  app.post<{ Body: { email?: string; role?: string } }>('/users', async (request, reply) => {
    const { session, ctx } = dashOf(request);
    requireOrganizationAdmin(session.user);
    const { user, generatedPassword } = await createUser(ctx.services.db.kysely, {
      organizationId: session.organization.id,
      email: formText(request.body, 'email'),
      role: request.body.role,
    });
    const created = html`<div class="notice" role="status"><p><strong>${user.email}</strong> (${user.role}) added. Their password, shown only once:</p>
<p><code class="secret">${generatedPassword}</code></p></div>`;
    return usersPage(request, reply, created);
  });

  app.post<{ Params: { id: string } }>('/users/:id/disable', (request, reply) =>
    runAction(request, reply, '/dashboard/users', async () => {
      const { session, ctx } = dashOf(request);
      requireOrganizationAdmin(session.user);
      const u = await disableUser(ctx.services.db.kysely, request.params.id, session.organization.id);
      return `${u.email} disabled; their sessions have ended`;
    }),
  );
}
