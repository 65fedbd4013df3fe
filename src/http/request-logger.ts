/**
 * Each request's logger (`request.log`), made a pino child of the process's logger only when the request first
 * logs at a level that is on. pino writes a child's bindings (the request id) out when the child is made, and
 * with the redaction's wildcard paths (log-redaction.ts) it runs each through the redactor: about 4 µs on every
 * request, when most log nothing at all (none does at `warn`, and only mutations do at `info`). Log lines are the
 * same as from an eager child.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type Factory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

class RequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  private write(level: Level, args: unknown[]): void {
    // The parent's level is the child's until something sets the child's own (which makes the child).
    const at = this.made ?? this.parent;
    if (at.isLevelEnabled(level)) (this.logger[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.made ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}
}

/**
 * Fastify's `childLoggerFactory` for a server given the process's pino logger (app.ts); a route with a log level
 * of its own gets its child at once, as before.
 */
export const requestLoggerFactory: Factory = (logger, bindings, options) =>
  options.level ? logger.child(bindings, options) : (new RequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger);
