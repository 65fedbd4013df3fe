/**
 * The message a page shows after an action (post → redirect → get). It travels in the redirect's URL, signed with
 * the session's CSRF token, so nobody can craft a link that makes the dashboard say something it did not.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { LiveSession } from '../users/sessions.ts';

export interface Flash {
  kind: 'notice' | 'error';
  text: string;
}

const sign = (session: LiveSession, payload: string): string => createHmac('sha256', session.csrfToken).update(payload).digest('base64url');

export function redirectWithFlash(reply: FastifyReply, session: LiveSession, to: string, flash: Flash): FastifyReply {
  const payload = Buffer.from(JSON.stringify([flash.kind, flash.text.slice(0, 500)])).toString('base64url');
  const sep = to.includes('?') ? '&' : '?';
  return reply.redirect(`${to}${sep}flash=${payload}.${sign(session, payload)}`, 303);
}

export function readFlash(session: LiveSession, value: unknown): Flash | undefined {
  if (typeof value !== 'string') return undefined;
  const [payload, signature] = value.split('.');
  if (!payload || !signature) return undefined;
  const expected = Buffer.from(sign(session, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const [kind, text] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return kind === 'notice' || kind === 'error' ? { kind, text: String(text) } : undefined;
  } catch {
    return undefined;
  }
}
