/**
 * DescribeUserDomains: the account's domains, paged (PageSize 1..500, default 20; PageNumber from 1),
 * optionally filtered by DomainStatus and by DomainName (DomainSearchType full_match (default),
 * fuzzy_match, pre_match, suf_match), in the answer shape of API-NOTES.md. Pure.
 */
import type { Outcome } from './request-auth.js';
import { simError, type SimErrorAnswer } from './sim-error-table.js';
import type { SimDomain } from './sim-types.js';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 20;

export interface UserDomainsBody {
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  Domains: { PageData: Record<string, string>[] };
}

const fail = (error: SimErrorAnswer): { ok: false; error: SimErrorAnswer } => ({ ok: false, error });

function wholeNumber(raw: string | undefined, fallback: number, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

function matches(name: string, wanted: string | undefined, mode: string | undefined): boolean {
  if (wanted === undefined || wanted === '') return true;
  switch (mode) {
    case 'fuzzy_match':
      return name.includes(wanted);
    case 'pre_match':
      return name.startsWith(wanted);
    case 'suf_match':
      return name.endsWith(wanted);
    default:
      return name === wanted;
  }
}

/** The requested page; numeric fields are numbers, as the real answer has them. */
export function buildUserDomainsBody(params: Readonly<Record<string, string>>, domains: readonly SimDomain[]): Outcome<UserDomainsBody> {
  const pageSize = wholeNumber(params.PageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  if (pageSize === undefined) return fail(simError('InvalidPageSize.ValueNotSupported'));
  const pageNumber = wholeNumber(params.PageNumber, 1, 1, 100_000);
  if (pageNumber === undefined) return fail(simError('InvalidPageNumber.ValueNotSupported'));
  const selected = domains.filter(
    (d) => (!params.DomainStatus || (d.status ?? 'online') === params.DomainStatus) && matches(d.name, params.DomainName, params.DomainSearchType),
  );
  const page = selected.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((d) => ({
    DomainName: d.name,
    DomainStatus: d.status ?? 'online',
    CdnType: d.cdnType ?? 'web',
    Cname: `${d.name}.w.kunlunsl.com`,
    SslProtocol: 'off',
    Sandbox: 'normal',
    Coverage: 'domestic',
    GmtCreated: '2024-01-01T00:00:00Z',
    GmtModified: '2024-01-01T00:00:00Z',
  }));
  return { ok: true, value: { PageNumber: pageNumber, PageSize: pageSize, TotalCount: selected.length, Domains: { PageData: page } } };
}
