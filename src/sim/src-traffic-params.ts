/**
 * Parameter validation of DescribeDomainRealTimeSrcTrafficData, with the seed document's codes and
 * statuses, and the tier rules of API-NOTES.md: the span alone picks the granularity, and a call is
 * refused when that granularity no longer exists for its start. Pure: `now` is a parameter.
 */
import { describeCall, type Tier } from '../aliyun/tiers.js';
import { parseWireTime, toWireTime } from '../aliyun/wire-time.js';
import type { Outcome } from './request-auth.js';
import { missingParameter, simError, type SimErrorAnswer } from './sim-error-table.js';
import type { SimDomainStatus, SimulatorOptions } from './sim-types.js';

export const MAX_DOMAINS_PER_CALL = 100;
const HOUR_MS = 3_600_000;

/** A validated traffic call. Times are epoch ms; the end is inclusive, as the API treats it. */
export interface SrcTrafficCall {
  /** Distinct domains, in request order. */
  readonly domains: readonly string[];
  /** `DomainName` exactly as sent; the answer echoes it. */
  readonly domainName: string;
  readonly start: number;
  readonly end: number;
  readonly tier: Tier;
}

export interface SrcTrafficContext {
  /** Data clock. */
  readonly now: number;
  readonly tiers: readonly Tier[];
  /** Every domain of the account and its status. */
  readonly domains: ReadonlyMap<string, SimDomainStatus>;
  readonly account?: SimulatorOptions['account'];
}

const fail = (error: SimErrorAnswer): { ok: false; error: SimErrorAnswer } => ({ ok: false, error });

function domainError(name: string, status: SimDomainStatus | undefined): SimErrorAnswer | undefined {
  switch (status) {
    case 'online':
      return undefined;
    case undefined:
      return simError('InvalidDomain.NotFound', `The domain provided does not belong to you: ${name}.`);
    case 'offline':
    case 'stopped':
      return simError('InvalidDomain.Offline', `The domain provided is offline: ${name}.`);
    case 'configuring':
    case 'checking':
      return simError('ServiceBusy');
    case 'configure_failed':
      return simError('InvalidDomain.Configure_failed');
    case 'check_failed':
      return simError('IllegalOperation');
  }
}

/**
 * Validates the action's parameters, in the order: account, DomainName present and at most 100
 * names, times (both or neither, wire format, end after start), tier (span and history), each domain.
 * Neither time given means the hour up to the current minute.
 */
export function validateSrcTrafficParams(params: Readonly<Record<string, string>>, ctx: SrcTrafficContext): Outcome<SrcTrafficCall> {
  if (ctx.account === 'not-opened') return fail(simError('OperationDenied'));
  if (ctx.account === 'suspended') return fail(simError('OperationDenied.Suspended'));

  const domainName = params.DomainName ?? '';
  const domains = [...new Set(domainName.split(',').map((d) => d.trim()).filter((d) => d !== ''))];
  if (domains.length === 0) return fail(missingParameter('DomainName'));
  if (domains.length > MAX_DOMAINS_PER_CALL) return fail(simError('InvalidDomainName.ExceedLimit'));

  const startText = params.StartTime ?? '';
  const endText = params.EndTime ?? '';
  let start: number;
  let end: number;
  if (startText === '' && endText === '') {
    end = Math.floor(ctx.now / 60_000) * 60_000;
    start = end - HOUR_MS;
  } else if (startText === '' || endText === '') {
    return fail(simError('MissingParameter', 'StartTime and EndTime can not be single.'));
  } else {
    const s = parseWireTime(startText);
    if (s === undefined) return fail(simError('InvalidStartTime.Malformed'));
    const e = parseWireTime(endText);
    if (e === undefined) return fail(simError('InvalidEndTime.Malformed'));
    if (e <= s) return fail(simError('InvalidEndTime.Mismatch'));
    start = s;
    end = e;
  }

  const verdict = describeCall(ctx.tiers, start, end, ctx.now);
  if (!verdict.tier || !verdict.available) return fail(simError('InvalidStartTime.ValueNotSupported'));

  for (const d of domains) {
    const error = domainError(d, ctx.domains.get(d));
    if (error) return fail(error);
  }
  return { ok: true, value: { domains, domainName, start, end, tier: verdict.tier } };
}

/** `StartTime`/`EndTime` as the answer states them. */
export function wireRange(call: SrcTrafficCall): { StartTime: string; EndTime: string } {
  return { StartTime: toWireTime(call.start), EndTime: toWireTime(call.end) };
}
