/**
 * Structured logging: JSON lines when stdout is not a TTY (add-on, CI), readable lines on a TTY.
 * Every line passes through the redactor before it is written, so a password can't reach a log
 * even if some code passes a raw URL by mistake.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { urlRedactor, type Redactor } from './redact.js';

export type { Logger };

export interface LogOptions {
  level?: string;
  /** Force pretty or JSON output; default: pretty on a TTY. */
  pretty?: boolean;
  /** Extra destination (tests capture lines here). */
  destination?: NodeJS.WritableStream;
  /** The app's redactor (it knows the config's secrets); default: the URL rules alone. */
  redactor?: Redactor;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && !opts.destination);
  const redactor = opts.redactor ?? urlRedactor;
  const options: LoggerOptions = {
    level: opts.level ?? process.env.LOOKOUT_LOG_LEVEL ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: (s: string) => redactor.redact(s) },
  };
  if (pretty) {
    options.transport = {
      target: 'pino-pretty',
      options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    };
    return pino(options);
  }
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that drops everything (unit tests that don't care about logs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
