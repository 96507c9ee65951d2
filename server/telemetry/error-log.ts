import pino from 'pino';
import type { LogLevel } from './log-levels.js';

export type { LogLevel } from './log-levels.js';

export interface ErrorLogOptions {
  /** Where each JSON line goes (no trailing newline). */
  readonly write: (line: string) => void;
  /** `service` field of every line, e.g. `smc-server`. */
  readonly service: string;
  /** A class is logged at most once per window, then summarised with its count. @default 10000 */
  readonly windowMs?: number;
  /** Lines below this level are dropped (`smc serve --log-level`). @default 'info' */
  readonly level?: LogLevel;
}

/**
 * The one shape every server log line has: pino JSON with an ISO time, the level as a word
 * and the service's name, written through `write` (one line each, no trailing newline).
 */
export function createServiceLogger(
  service: string,
  write: (line: string) => void,
  level: LogLevel = 'info',
): pino.Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (text: string) => write(text.trimEnd()) },
  );
}

interface ClassWindow {
  suppressed: number;
  lastMessage: string;
}

/**
 * Structured error lines (pino JSON) that an attacker cannot turn into a flood: each error
 * class is written once when it first happens in a window, later ones are only counted, and
 * at the window's end one line gives the count. Expected faults (a database away, a peer that
 * hung up) carry no stack trace; unexpected ones carry it on their first line only. Under a
 * flood of one fault that is two lines per 10 s, not one stack trace per request.
 */
export class ErrorLog {
  private readonly logger: pino.Logger;
  private readonly windows = new Map<string, ClassWindow>();
  private readonly timer: NodeJS.Timeout;

  constructor(options: ErrorLogOptions) {
    this.logger = createServiceLogger(options.service, options.write, options.level);
    this.timer = setInterval(() => this.flush(), options.windowMs ?? 10_000);
    this.timer.unref();
  }

  /** A fault the code expects and answers (503, a refused item): no stack. */
  expected(errorClass: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.report('warn', errorClass, error, fields, false);
  }

  /** A fault nobody planned for (a bug): the first of its window carries the stack. */
  unexpected(errorClass: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.report('error', errorClass, error, fields, true);
  }

  /** A one-off event worth a line (a state change), not rate limited. */
  notice(message: string, fields: Record<string, unknown> = {}): void {
    this.logger.info(fields, message);
  }

  /** Writes the counts of the window that is ending. */
  flush(): void {
    for (const [errorClass, window] of this.windows) {
      if (window.suppressed > 0)
        this.logger.warn(
          { class: errorClass, count: window.suppressed, last: window.lastMessage },
          `${errorClass}: ${window.suppressed} more like it`,
        );
    }
    this.windows.clear();
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }

  private report(
    level: 'warn' | 'error',
    errorClass: string,
    error: unknown,
    fields: Record<string, unknown>,
    withStack: boolean,
  ): void {
    const message = error instanceof Error ? error.message : String(error);
    const window = this.windows.get(errorClass);
    if (window) {
      window.suppressed += 1;
      window.lastMessage = message;
      return;
    }
    this.windows.set(errorClass, { suppressed: 0, lastMessage: message });
    const code = (error as { code?: unknown } | null)?.code;
    this.logger[level](
      {
        class: errorClass,
        ...fields,
        ...(typeof code === 'string' ? { code } : {}),
        ...(withStack && error instanceof Error && error.stack ? { stack: error.stack } : {}),
      },
      `${errorClass}: ${message}`,
    );
  }
}
