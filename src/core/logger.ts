/**
 * Structured logging at the edge. JSON lines by default; human-readable when stderr is a terminal.
 * Anything that looks like a secret is redacted by key, wherever it sits in a log object.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
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
  /** Where JSON lines go; default stderr (stdout is for a command's own output). */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { pid: process.pid },
    redact: { paths: redactPaths(), censor: '[redacted]' },
  };
  const pretty = settings.pretty ?? (settings.destination === undefined && process.stderr.isTTY === true);
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino(options, settings.destination ?? pino.destination({ dest: 2, sync: true }));
}

/** A logger that discards everything, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
