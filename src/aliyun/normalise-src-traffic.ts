/**
 * Turns one DescribeDomainRealTimeSrcTrafficData answer into TrafficRows, or refuses it whole.
 * Pure: no I/O, no clock. An answer is loaded entirely or not at all, so every check runs before
 * any row is returned.
 *
 * Decisions (each has a `reason` code on ResponseInvalidError, tested in normalise-src-traffic.test.ts):
 * - Value must be a plain decimal: digits with an optional fraction (`0`, `12`, `12.5`, `007`). Exponents
 *   (`1e3`), signs (`+5`), bare points (`.5`, `5.`), hex, blanks and words are VALUE_NOT_NUMERIC: the wire
 *   format never uses them, so meeting one means the answer is not what we think it is. A leading minus
 *   is VALUE_NEGATIVE (`-0` included: traffic has no sign). A JSON number (not a string) is tolerated
 *   under the same rules, in case a gateway re-encodes the body.
 * - Integers are exact up to Number.MAX_SAFE_INTEGER (2^53 - 1); an integer part from 2^53 on is
 *   VALUE_OUT_OF_RANGE, so every integral `value` downstream satisfies Number.isSafeInteger and stands
 *   for exactly one wire value. Fractions are accepted as the nearest double.
 * - TimeStamp must be exactly `YYYY-MM-DDThh:mm:ssZ` (TIMESTAMP_INVALID).
 * - DataInterval must be present (INTERVAL_MISSING) and a positive whole number of seconds
 *   (INTERVAL_INVALID), even when DataModule is empty: the caller relies on knowing the granularity.
 * - Two distinct slots closer than the interval: INTERVAL_CONTRADICTED; a slot off the interval's
 *   epoch grid: SLOT_NOT_ALIGNED; a slot outside the asked [start, end] (end inclusive): SLOT_OUT_OF_RANGE.
 * - DomainName must be the asked domain, compared case-insensitively (DOMAIN_MISMATCH when absent or
 *   different); rows carry the asked string.
 * - Same TimeStamp twice with the same value: kept once; with different values: SLOT_CONFLICT.
 */
import { ResponseInvalidError, InvalidArgumentError } from '../core/errors.js';
import type { TrafficRow } from '../core/model.js';
import type { SrcTrafficResponse } from './api-types.js';
import { parseWireTime, toWireTime } from './wire-time.js';

/** What was sent to the API: the domain and the StartTime/EndTime (epoch ms, end inclusive). */
export interface AskedRange {
  readonly domain: string;
  readonly start: number;
  readonly end: number;
}

const PLAIN_DECIMAL = /^(\d+)(?:\.\d+)?$/;
const POSITIVE_INTEGER = /^[1-9]\d*$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Validates an answer against what was asked and returns its rows sorted by `ts`.
 *
 * @example
 * normaliseSrcTraffic(
 *   { requestId: 'r', domainName: 'example.com', startTime: '2015-12-10T20:00:00Z', endTime: '2015-12-10T20:01:00Z',
 *     dataInterval: '60', dataModule: [{ TimeStamp: '2015-12-10T20:00:00Z', Value: '0' }] },
 *   { domain: 'example.com', start: Date.UTC(2015, 11, 10, 20), end: Date.UTC(2015, 11, 10, 20, 1) },
 * ); // [{ ts: 1449777600000, domain: 'example.com', intervalS: 60, value: 0 }]
 * @throws ResponseInvalidError with a `reason` when any part of the answer is wrong (nothing is returned then).
 * @throws InvalidArgumentError when `asked` itself is malformed (a programming error).
 */
export function normaliseSrcTraffic(response: SrcTrafficResponse, asked: AskedRange): TrafficRow[] {
  checkAsked(asked);
  const rid = ` (RequestId ${show(response.requestId)})`;

  if (typeof response.domainName !== 'string' || response.domainName.toLowerCase() !== asked.domain.toLowerCase()) {
    throw new ResponseInvalidError('DOMAIN_MISMATCH', `asked for ${show(asked.domain)}, the answer is for ${show(response.domainName)}${rid}`);
  }

  const intervalS = parseInterval(response.dataInterval, rid);
  const intervalMs = intervalS * 1000;

  if (!Array.isArray(response.dataModule)) {
    throw new ResponseInvalidError('DATA_MODULE_INVALID', `DataModule is not a list${rid}`);
  }

  const byTs = new Map<number, number>();
  for (const point of response.dataModule as readonly unknown[]) {
    if (typeof point !== 'object' || point === null) {
      throw new ResponseInvalidError('DATA_MODULE_INVALID', `a DataModule entry is not an object: ${show(point)}${rid}`);
    }
    const { TimeStamp, Value } = point as { TimeStamp?: unknown; Value?: unknown };
    const ts = typeof TimeStamp === 'string' ? parseWireTime(TimeStamp) : undefined;
    if (ts === undefined) {
      throw new ResponseInvalidError('TIMESTAMP_INVALID', `TimeStamp ${show(TimeStamp)} is not YYYY-MM-DDThh:mm:ssZ${rid}`);
    }
    const value = parseValue(Value, TimeStamp as string, rid);
    const seen = byTs.get(ts);
    if (seen === undefined) byTs.set(ts, value);
    else if (seen !== value) {
      throw new ResponseInvalidError('SLOT_CONFLICT', `slot ${toWireTime(ts)} appears twice with values ${seen} and ${value}${rid}`);
    }
  }

  const slots = [...byTs.keys()].sort((a, b) => a - b);
  for (let i = 1; i < slots.length; i++) {
    if (slots[i]! - slots[i - 1]! < intervalMs) {
      throw new ResponseInvalidError(
        'INTERVAL_CONTRADICTED',
        `slots ${toWireTime(slots[i - 1]!)} and ${toWireTime(slots[i]!)} are closer than DataInterval ${intervalS} s${rid}`,
      );
    }
  }
  for (const ts of slots) {
    if (mod(ts, intervalMs) !== 0) {
      throw new ResponseInvalidError('SLOT_NOT_ALIGNED', `slot ${toWireTime(ts)} is not on the ${intervalS} s grid${rid}`);
    }
    if (ts < asked.start || ts > asked.end) {
      throw new ResponseInvalidError(
        'SLOT_OUT_OF_RANGE',
        `slot ${toWireTime(ts)} is outside the asked range ${toWireTime(asked.start)}..${toWireTime(asked.end)}${rid}`,
      );
    }
  }

  return slots.map((ts) => ({ ts, domain: asked.domain, intervalS, value: byTs.get(ts)! }));
}

function checkAsked(asked: AskedRange): void {
  if (typeof asked.domain !== 'string' || asked.domain === '') throw new InvalidArgumentError('asked.domain must be a non-empty string');
  if (!Number.isSafeInteger(asked.start) || !Number.isSafeInteger(asked.end) || asked.start > asked.end) {
    throw new InvalidArgumentError('asked.start and asked.end must be epoch ms with start <= end');
  }
}

function parseInterval(raw: unknown, rid: string): number {
  if (raw === undefined || raw === null || raw === '') {
    throw new ResponseInvalidError('INTERVAL_MISSING', `DataInterval is missing${rid}`);
  }
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !POSITIVE_INTEGER.test(text) || !Number.isSafeInteger(Number(text) * 1000)) {
    throw new ResponseInvalidError('INTERVAL_INVALID', `DataInterval ${show(raw)} is not a positive whole number of seconds${rid}`);
  }
  return Number(text);
}

function parseValue(raw: unknown, at: string, rid: string): number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new ResponseInvalidError('VALUE_NOT_NUMERIC', `Value ${show(raw)} at ${at} is not a number${rid}`);
    if (raw < 0 || Object.is(raw, -0)) throw new ResponseInvalidError('VALUE_NEGATIVE', `Value ${raw} at ${at} is negative${rid}`);
    if (raw > Number.MAX_SAFE_INTEGER) throw outOfRange(raw, at, rid);
    return raw;
  }
  if (typeof raw !== 'string') {
    throw new ResponseInvalidError('VALUE_NOT_NUMERIC', `Value ${show(raw)} at ${at} is not a decimal string${rid}`);
  }
  if (raw.startsWith('-') && PLAIN_DECIMAL.test(raw.slice(1))) {
    throw new ResponseInvalidError('VALUE_NEGATIVE', `Value ${show(raw)} at ${at} is negative${rid}`);
  }
  const m = PLAIN_DECIMAL.exec(raw);
  if (!m) throw new ResponseInvalidError('VALUE_NOT_NUMERIC', `Value ${show(raw)} at ${at} is not a plain decimal number${rid}`);
  // Compare the integer part exactly: Number() would already have rounded 9007199254740993 to 2^53.
  if (BigInt(m[1]!) > MAX_SAFE) throw outOfRange(raw, at, rid);
  return Number(raw);
}

function outOfRange(raw: unknown, at: string, rid: string): ResponseInvalidError {
  return new ResponseInvalidError('VALUE_OUT_OF_RANGE', `Value ${show(raw)} at ${at} exceeds 2^53 - 1 and cannot be stored exactly${rid}`);
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** A short, printable rendering of a hostile value for an error message. */
function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
