/** How dashboard handlers answer: a whole page, or (after an action) a redirect carrying the outcome. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '../errors/domain-error.ts';
import { readFlash, redirectWithFlash } from './flash.ts';
import type { SafeHtml } from './html.ts';
import { page } from './layout.ts';
import { dashOf } from './session-guard.ts';

export function sendPage(request: FastifyRequest, reply: FastifyReply, opts: { title: string; current?: string; body: SafeHtml; status?: number }): FastifyReply {
  const { session } = dashOf(request);
  const flash = readFlash(session, (request.query as Record<string, unknown> | undefined)?.flash);
  return reply
    .code(opts.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(page({ title: opts.title, session, current: opts.current, flash, body: opts.body }).value);
}

/**
 * Runs one domain command for a form and goes back to `back` with its outcome: the command's message, or the
 * DomainError's (which names the field and the rule). Anything else is a 500 page.
 */
export async function runAction(request: FastifyRequest, reply: FastifyReply, back: string, command: () => Promise<string>): Promise<FastifyReply> {
  const { session } = dashOf(request);
  try {
    return redirectWithFlash(reply, session, back, { kind: 'notice', text: await command() });
  } catch (e) {
    if (!isDomainError(e) || e.code === 'NOT_FOUND') throw e;
    return redirectWithFlash(reply, session, back, { kind: 'error', text: e.message });
  }
}

/**
 * Runs a command whose answer is a page itself (a secret shown once must not travel in a redirect's URL); a
 * DomainError goes back to `back` with its message, as runAction does.
 */
export async function answerOrFlashError(request: FastifyRequest, reply: FastifyReply, back: string, command: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await command();
  } catch (e) {
    if (!isDomainError(e) || e.code === 'NOT_FOUND') throw e;
    return redirectWithFlash(reply, dashOf(request).session, back, { kind: 'error', text: e.message });
  }
}

/** A form field as the domain wants it: trimmed, and an empty field means "none". */
export function formText(body: Record<string, unknown>, name: string): string | null {
  const v = body[name];
  const s = typeof v === 'string' ? v.trim() : '';
  return s === '' ? null : s;
}
