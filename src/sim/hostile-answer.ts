/**
 * Turns a correct traffic answer into a subtly wrong one (one mode at a time), for tests of a
 * client's and a normaliser's defences. Pure.
 */
import { parseWireTime, toWireTime } from '../aliyun/wire-time.js';
import type { HostileMode } from './sim-types.js';
import type { SrcTrafficBody } from './src-traffic-answer.js';

export interface SerialisedAnswer {
  readonly text: string;
  readonly contentType: string;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';

/** The body after `mode`, serialised. `extra` (RequestId) is merged in first. */
export function hostileAnswer(body: SrcTrafficBody, mode: HostileMode, extra: Readonly<Record<string, string>>): SerialisedAnswer {
  const b: SrcTrafficBody = structuredClone(body);
  const points = b.RealTimeSrcTrafficDataPerInterval.DataModule;
  const intervalMs = Number(b.DataInterval) * 1000;
  const first = points[0];
  const setValue = (v: string): void => {
    if (first) first.Value = v;
  };
  switch (mode) {
    case 'huge-value':
      setValue('1e400');
      break;
    case 'negative-value':
      setValue('-5');
      break;
    case 'nan-value':
      setValue('NaN');
      break;
    case 'empty-value':
      setValue('');
      break;
    case 'bad-timestamp':
      if (first) first.TimeStamp = 'yesterday';
      break;
    case 'misaligned-slot':
      if (first) first.TimeStamp = toWireTime(parseWireTime(first.TimeStamp)! + 30_000);
      break;
    case 'out-of-range-slot': {
      const end = parseWireTime(b.EndTime)!;
      points.push({ TimeStamp: toWireTime(Math.floor(end / intervalMs) * intervalMs + intervalMs), Value: '1' });
      break;
    }
    case 'duplicate-slot':
      if (first) points.splice(1, 0, { ...first });
      break;
    case 'conflicting-duplicate':
      if (first) points.splice(1, 0, { TimeStamp: first.TimeStamp, Value: String(Number(first.Value) + 1) });
      break;
    case 'interval-mismatch':
      b.DataInterval = b.DataInterval === '60' ? '300' : '60';
      break;
    case 'wrong-content-type':
      return { text: JSON.stringify({ ...extra, ...b }), contentType: 'text/html;charset=utf-8' };
    case 'not-json':
      return { text: '<html><body>502 Bad Gateway</body></html>', contentType: JSON_CONTENT_TYPE };
  }
  return { text: JSON.stringify({ ...extra, ...b }), contentType: JSON_CONTENT_TYPE };
}
