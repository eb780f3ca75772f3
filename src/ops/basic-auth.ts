/**
 * Authentication for the ops server: basic auth (the queue dashboard, optionally /metrics) and a bearer token
 * (optionally /metrics). Comparisons run in constant time over digests, so neither a secret nor its length leaks
 * through timing. Failed logins are slowed down per client address: after FREE_FAILURES wrong attempts in a row,
 * every attempt from that address is answered 429 (with Retry-After) until a lock-out that doubles with each
 * further failure has passed, whatever credentials it carries.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { DashboardAuth, MetricsAuth } from '../core/config.js';

export const FREE_FAILURES = 5;
const FIRST_LOCK_MS = 1_000;
const MAX_LOCK_MS = 5 * 60_000;
/** Addresses remembered at most (oldest forgotten first), so a flood cannot grow memory without bound. */
const MAX_TRACKED = 10_000;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Wrong attempts per client address. One per server: the dashboard and /metrics share it. */
export class LoginThrottle {
  readonly #failures = new Map<string, { count: number; lockedUntil: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Ms the address must still wait, or 0. */
  waitMs(address: string): number {
    const f = this.#failures.get(address);
    return f ? Math.max(0, f.lockedUntil - this.now()) : 0;
  }

  fail(address: string): void {
    const f = this.#failures.get(address) ?? { count: 0, lockedUntil: 0 };
    f.count += 1;
    if (f.count >= FREE_FAILURES) f.lockedUntil = this.now() + Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 2 ** (f.count - FREE_FAILURES));
    this.#failures.delete(address);
    this.#failures.set(address, f);
    if (this.#failures.size > MAX_TRACKED) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

function guard(check: (header: string) => boolean, challenge: string, throttle: LoginThrottle): Middleware {
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = throttle.waitMs(address);
    if (waitMs > 0) {
      res.status(429).set('Retry-After', String(Math.ceil(waitMs / 1000))).type('text/plain').send('too many failed logins: try again later\n');
      return;
    }
    const header = req.headers.authorization;
    if (header !== undefined && check(header)) {
      throttle.succeed(address);
      return next();
    }
    // A request without credentials is the browser asking which scheme to use: not a failed login.
    if (header !== undefined) throttle.fail(address);
    res.status(401).set('WWW-Authenticate', challenge).type('text/plain').send('authentication required\n');
  };
}

function basicCheck(auth: DashboardAuth): (header: string) => boolean {
  const expected = digest(`${auth.user}:${auth.password}`);
  return (header) => {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    return timingSafeEqual(digest(given), expected) && m !== null;
  };
}

/** Basic auth compared in constant time (over digests, so lengths leak nothing either). */
export function basicAuth(auth: DashboardAuth, throttle: LoginThrottle, realm = 'cdn-etl queues'): Middleware {
  return guard(basicCheck(auth), `Basic realm="${realm}", charset="UTF-8"`, throttle);
}

/** /metrics: basic auth or a bearer token, as configured. */
export function metricsAuth(auth: MetricsAuth, throttle: LoginThrottle): Middleware {
  if (auth.kind === 'basic') return basicAuth(auth, throttle, 'cdn-etl metrics');
  const expected = digest(auth.token);
  return guard(
    (header) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return timingSafeEqual(digest(m ? m[1]! : ''), expected) && m !== null;
    },
    'Bearer realm="cdn-etl metrics"',
    throttle,
  );
}
