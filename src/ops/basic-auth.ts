/**
 * Basic auth for the queue dashboard (config.dashboardAuth). The comparison runs in constant time over digests,
 * so neither the password nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { DashboardAuth } from '../core/config.js';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Basic auth compared in constant time (over digests, so lengths leak nothing either). */
export function basicAuth(auth: DashboardAuth): (req: Request, res: Response, next: NextFunction) => void {
  const expected = digest(`${auth.user}:${auth.password}`);
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    if (m && timingSafeEqual(digest(given), expected)) return next();
    res.status(401).set('WWW-Authenticate', 'Basic realm="cdn-etl queues", charset="UTF-8"').type('text/plain').send('authentication required\n');
  };
}
