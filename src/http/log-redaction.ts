/**
 * What the logs never carry, at any level: query strings (a `client_secret` sent where it must not be, GET
 * GraphQL variables with personal data) and GraphQL variables under any key. Applied to the one logger of the
 * process, so a log call added later is covered too.
 */
export function withoutQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?[redacted]`;
}

export const LOG_REDACTION = {
  redact: { paths: ['variables', '*.variables', '*.*.variables', 'req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  serializers: {
    req: (req: { method?: string; url?: string; id?: unknown }) => ({ method: req.method, url: withoutQuery(req.url ?? ''), reqId: req.id }),
  },
};
