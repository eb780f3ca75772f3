/**
 * Structured logging at the edge. JSON lines by default; human-readable when stderr is a terminal.
 * Anything that looks like a secret is redacted by key, wherever it sits in a log object.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { PinoPretty as PinoPrettyFn } from 'pino-pretty';

/** pino-pretty, loaded only when a terminal wants pretty lines: JSON logging (services, pipes) never pays for it. */
function loadPretty(): typeof PinoPrettyFn {
  return (createRequire(import.meta.url)('pino-pretty') as { PinoPretty: typeof PinoPrettyFn }).PinoPretty;
}
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line. */
export const REDACTED_KEYS: readonly string[] = [
  'accessKeySecret',
  'secret',
  'password',
  'securityToken',
  'token',
  'signature',
  'Signature',
  'authorization',
  'Authorization',
  'SecurityToken',
  'x-acs-security-token',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
];

export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const sep = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${sep}${k}`, `*.*${sep}${k}`, `*.*.*${sep}${k}`);
  }
  return paths;
}

export interface LoggerSettings {
  readonly level: LogLevel;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY. */
  readonly pretty?: boolean;
  /** Where lines go; default stderr (stdout is for a command's own output). */
  readonly destination?: NodeJS.WritableStream;
  /** Colours in pretty output (the CLI decides, honouring NO_COLOR/FORCE_COLOR); default false. */
  readonly color?: boolean;
  /**
   * Pretty lines carry the message and a few key fields (domain, start, code) instead of the whole object: for
   * lines printed above a progress bar, whose summary lists the details.
   */
  readonly compact?: boolean;
  /** Called with the message of every warning or error logged, e.g. for a closing summary. */
  readonly onWarning?: (message: string) => void;
}

/** Pretty lines: one line each (a progress bar can sit under them), timestamps in UTC like everything else. */
export const PRETTY_OPTIONS = Object.freeze({ translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l"Z"', ignore: 'pid,hostname', singleLine: true });
/** See LoggerSettings.compact. */
export const COMPACT_PRETTY_OPTIONS = Object.freeze({
  translateTime: 'UTC:HH:MM:ss"Z"',
  ignore: 'pid,hostname',
  singleLine: true,
  hideObject: true,
  messageFormat: '{msg}{if code} {code}{end}{if domain} {domain}{end}{if start} {start}{end}{if err} {err}{end}',
});

export function createLogger(settings: LoggerSettings): Logger {
  const onWarning = settings.onWarning;
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    ...(onWarning
      ? {
          hooks: {
            logMethod(args, method, level) {
              if (level >= 40) onWarning(String([...args].reverse().find((a) => typeof a === 'string') ?? ''));
              method.apply(this, args);
            },
          },
        }
      : {}),
  };
  const pretty = settings.pretty ?? (settings.destination === undefined && process.stderr.isTTY === true);
  if (pretty) {
    // In this thread, not a transport's worker: lines reach the destination in order with the bar's redraws.
    return pino(options, loadPretty()({ ...(settings.compact ? COMPACT_PRETTY_OPTIONS : PRETTY_OPTIONS), colorize: settings.color === true, sync: true, destination: settings.destination ?? 2 }));
  }
  return pino(options, settings.destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
