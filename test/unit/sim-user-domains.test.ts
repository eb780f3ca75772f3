import { describe, expect, it } from 'vitest';
import { buildUserDomainsBody } from '../../src/sim/user-domains-answer.js';
import type { SimDomain } from '../../src/sim/sim-types.js';

const DOMAINS: SimDomain[] = Array.from({ length: 23 }, (_, i) => ({ name: `d${String(i).padStart(2, '0')}.example.com`, status: i % 5 === 0 ? 'offline' : 'online' }));

describe('buildUserDomainsBody', () => {
  const pages: { name: string; params: Record<string, string>; pageNumber: number; pageSize: number; total: number; names: string[] }[] = [
    { name: 'defaults: page 1 of 20', params: {}, pageNumber: 1, pageSize: 20, total: 23, names: DOMAINS.slice(0, 20).map((d) => d.name) },
    { name: 'the last, partial page', params: { PageSize: '20', PageNumber: '2' }, pageNumber: 2, pageSize: 20, total: 23, names: ['d20.example.com', 'd21.example.com', 'd22.example.com'] },
    { name: 'past the last page: empty', params: { PageSize: '500', PageNumber: '2' }, pageNumber: 2, pageSize: 500, total: 23, names: [] },
    { name: 'filtered by DomainStatus', params: { DomainStatus: 'offline' }, pageNumber: 1, pageSize: 20, total: 5, names: ['d00.example.com', 'd05.example.com', 'd10.example.com', 'd15.example.com', 'd20.example.com'] },
    { name: 'DomainName, full match by default', params: { DomainName: 'd01.example.com' }, pageNumber: 1, pageSize: 20, total: 1, names: ['d01.example.com'] },
    { name: 'DomainName, fuzzy match', params: { DomainName: '2', DomainSearchType: 'fuzzy_match' }, pageNumber: 1, pageSize: 20, total: 5, names: ['d02.example.com', 'd12.example.com', 'd20.example.com', 'd21.example.com', 'd22.example.com'] },
  ];
  it.each(pages)('$name', ({ params, pageNumber, pageSize, total, names }) => {
    const r = buildUserDomainsBody(params, DOMAINS);
    if (!r.ok) throw new Error(r.error.code);
    expect(r.value.PageNumber).toBe(pageNumber);
    expect(r.value.PageSize).toBe(pageSize);
    expect(r.value.TotalCount).toBe(total);
    expect(r.value.Domains.PageData.map((d) => d.DomainName)).toEqual(names);
  });

  it('reports DomainStatus, CdnType and Cname per domain', () => {
    const r = buildUserDomainsBody({ PageSize: '1' }, [{ name: 'x.example.com', status: 'configuring', cdnType: 'video' }]);
    expect(r.ok && r.value.Domains.PageData[0]).toMatchObject({ DomainName: 'x.example.com', DomainStatus: 'configuring', CdnType: 'video', Cname: 'x.example.com.w.kunlunsl.com' });
  });

  const refusals: { name: string; params: Record<string, string>; code: string }[] = [
    { name: 'PageSize 501', params: { PageSize: '501' }, code: 'InvalidPageSize.ValueNotSupported' },
    { name: 'PageSize 0', params: { PageSize: '0' }, code: 'InvalidPageSize.ValueNotSupported' },
    { name: 'PageSize not a number', params: { PageSize: 'ten' }, code: 'InvalidPageSize.ValueNotSupported' },
    { name: 'PageNumber 0', params: { PageNumber: '0' }, code: 'InvalidPageNumber.ValueNotSupported' },
    { name: 'PageNumber negative', params: { PageNumber: '-1' }, code: 'InvalidPageNumber.ValueNotSupported' },
  ];
  it.each(refusals)('$name -> $code (400)', ({ params, code }) => {
    const r = buildUserDomainsBody(params, DOMAINS);
    expect(r.ok === false && [r.error.code, r.error.status]).toEqual([code, 400]);
  });
});
