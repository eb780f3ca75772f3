/**
 * DescribeUserDomains, one page of the account's domains; listUserDomains() walks the pages. A page is one call:
 * pages 1, 2, ... of 500 until TotalCount is reached or a page comes back short, so a failure on any page throws
 * and the whole listing is retried by whoever retries. A domain that shows up on two pages (the list changed while
 * paging) is kept once.
 */
import { stripControls } from '../../core/strip-controls.js';
import { ApiError } from '../../core/errors.js';
import { ACTION_USER_DOMAINS, CDN_API_VERSION, type UserDomain } from '../api-types.js';
import { isObject, ShapeError, type ApiAction } from './api-action.js';

/** DescribeUserDomains page size: the API's maximum. */
export const USER_DOMAINS_PAGE_SIZE = 500;
/** A paging loop that goes on past this many pages is the server's bug, not an account (5 million domains). */
const MAX_USER_DOMAIN_PAGES = 10_000;

export interface UserDomainsPage {
  readonly items: readonly UserDomain[];
  readonly total: number | undefined;
}

export const USER_DOMAINS_ACTION: ApiAction<{ readonly page: number }, UserDomainsPage> = {
  name: ACTION_USER_DOMAINS,
  version: CDN_API_VERSION,
  params: ({ page }) => ({ PageSize: String(USER_DOMAINS_PAGE_SIZE), PageNumber: String(page) }),
  read(json) {
    const domains = json.Domains;
    const pageData = domains === undefined || domains === null ? [] : isObject(domains) ? (domains.PageData ?? []) : undefined;
    if (!Array.isArray(pageData)) throw new ShapeError('Domains.PageData is not a list');
    const parsed = pageData.map(toUserDomain);
    if (parsed.some((d) => d === undefined)) throw new ShapeError('a Domains.PageData entry lacks DomainName or DomainStatus');
    return { items: parsed as UserDomain[], total: toCount(json.TotalCount) };
  },
};

/** Every domain of the account, asking `fetchPage` for pages 1, 2, ... */
export async function listUserDomains(fetchPage: (page: number) => Promise<UserDomainsPage>): Promise<UserDomain[]> {
  const byName = new Map<string, UserDomain>();
  for (let page = 1; page <= MAX_USER_DOMAIN_PAGES; page++) {
    const { items, total } = await fetchPage(page);
    for (const domain of items) if (!byName.has(domain.domainName)) byName.set(domain.domainName, domain);
    const seenAll = total !== undefined ? page * USER_DOMAINS_PAGE_SIZE >= total : false;
    if (items.length < USER_DOMAINS_PAGE_SIZE || seenAll) return [...byName.values()];
  }
  throw new ApiError(
    { apiCode: 'Response.Unparsable', kind: 'transient', action: ACTION_USER_DOMAINS },
    `${ACTION_USER_DOMAINS}: paging did not end after ${MAX_USER_DOMAIN_PAGES} pages`,
  );
}

function toCount(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function toUserDomain(item: unknown): UserDomain | undefined {
  if (!isObject(item)) return undefined;
  const { DomainName, DomainStatus, CdnType, Cname } = item;
  if (typeof DomainName !== 'string' || DomainName === '' || typeof DomainStatus !== 'string') return undefined;
  // Names are printed and logged: no control character from the API reaches a terminal.
  return {
    domainName: stripControls(DomainName),
    domainStatus: stripControls(DomainStatus),
    cdnType: typeof CdnType === 'string' ? stripControls(CdnType) : undefined,
    cname: typeof Cname === 'string' ? stripControls(Cname) : undefined,
  };
}
