import { describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.js';
import { parseDomains, validateDomain } from '../../src/plan/parse-domains.js';
import * as planner from '../../src/plan/plan-backfill.js';

const LABEL63 = 'a'.repeat(63);
/** 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters. */
const NAME253 = `${LABEL63}.${LABEL63}.${LABEL63}.${'b'.repeat(57)}.com`;

describe('parseDomains: accepted lists', () => {
  const cases: { name: string; csv: string; want: string[] }[] = [
    { name: 'one domain', csv: 'example.com', want: ['example.com'] },
    { name: 'several, order kept', csv: 'b.example.com,a.example.com', want: ['b.example.com', 'a.example.com'] },
    { name: 'upper case is lower-cased', csv: 'WWW.Example.COM', want: ['www.example.com'] },
    { name: 'duplicates removed after lower-casing, first wins', csv: 'a.example.com,b.example.com,A.EXAMPLE.COM,b.example.com', want: ['a.example.com', 'b.example.com'] },
    { name: 'a leading wildcard', csv: '*.cdn.example.com', want: ['*.cdn.example.com'] },
    { name: 'hyphens and digits inside labels', csv: 'img-01.static-2.example.com', want: ['img-01.static-2.example.com'] },
    { name: 'a digit-only label that is not the last', csv: '123.example.com', want: ['123.example.com'] },
    { name: 'punycode', csv: 'xn--fiqs8s.example.com', want: ['xn--fiqs8s.example.com'] },
    { name: 'a 63-character label', csv: `${LABEL63}.example.com`, want: [`${LABEL63}.example.com`] },
    { name: 'exactly 253 characters', csv: NAME253, want: [NAME253] },
    { name: 'a single-label host name', csv: 'localhost', want: ['localhost'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(parseDomains(c.csv)).toEqual(c.want);
    });
  }
  it('the planner module exports the same functions', () => {
    expect(planner.parseDomains).toBe(parseDomains);
    expect(planner.validateDomain).toBe(validateDomain);
  });
  it('the 253-character fixture is 253 characters', () => {
    expect(NAME253.length).toBe(253);
  });
});

describe('parseDomains: refused, naming the flag and the bad domain', () => {
  const cases: { name: string; csv: string; message: string }[] = [
    { name: 'an empty list', csv: '', message: '--domains: needs at least one domain' },
    { name: 'two commas in a row', csv: 'a.example.com,,b.example.com', message: '--domains: invalid domain "": empty name (two commas in a row, or a comma at an end?)' },
    { name: 'a trailing comma', csv: 'a.example.com,', message: '--domains: invalid domain "": empty name (two commas in a row, or a comma at an end?)' },
    { name: 'a space after a comma', csv: 'a.example.com, b.example.com', message: '--domains: invalid domain " b.example.com": contains whitespace' },
    { name: 'a space inside', csv: 'a.exa mple.com', message: '--domains: invalid domain "a.exa mple.com": contains whitespace' },
    { name: 'a newline', csv: 'a.example.com\nb.example.com', message: '--domains: invalid domain "a.example.com\\nb.example.com": contains whitespace' },
    { name: 'a tab', csv: 'a.example.com\t', message: '--domains: invalid domain "a.example.com\\t": contains whitespace' },
    { name: 'a NUL', csv: 'a.example.com\u0000', message: '--domains: invalid domain "a.example.com\\u0000": contains a control character' },
    { name: 'a double quote', csv: '"a.example.com"', message: '--domains: invalid domain "\\"a.example.com\\"": contains a quote' },
    { name: 'a single quote', csv: "a.example.com'", message: '--domains: invalid domain "a.example.com\'": contains a quote' },
    { name: "'='", csv: 'DomainName=a.example.com', message: "--domains: invalid domain \"DomainName=a.example.com\": contains '='" },
    { name: 'non-ASCII (an IDN not in punycode)', csv: 'a.example.com,中国.example.com', message: '--domains: invalid domain "中国.example.com": non-ASCII characters; give an internationalised name in punycode (xn--...)' },
    { name: 'a Unicode look-alike dot', csv: 'a。example.com', message: '--domains: invalid domain "a。example.com": non-ASCII characters; give an internationalised name in punycode (xn--...)' },
    { name: 'an underscore', csv: 'a_b.example.com', message: '--domains: invalid domain "a_b.example.com": label "a_b" may hold only letters, digits and inner hyphens' },
    { name: 'a leading hyphen', csv: '-a.example.com', message: '--domains: invalid domain "-a.example.com": label "-a" may hold only letters, digits and inner hyphens' },
    { name: 'a trailing hyphen', csv: 'a-.example.com', message: '--domains: invalid domain "a-.example.com": label "a-" may hold only letters, digits and inner hyphens' },
    { name: 'a trailing dot', csv: 'a.example.com.', message: '--domains: invalid domain "a.example.com.": ends with a dot' },
    { name: 'two dots in a row', csv: 'a..example.com', message: '--domains: invalid domain "a..example.com": empty label (two dots in a row, or a dot at the start)' },
    { name: 'a leading dot', csv: '.example.com', message: '--domains: invalid domain ".example.com": empty label (two dots in a row, or a dot at the start)' },
    { name: 'a 64-character label', csv: `${'a'.repeat(64)}.com`, message: `--domains: invalid domain "${'a'.repeat(64)}.com": label "${'a'.repeat(64)}" is longer than 63 characters` },
    { name: '254 characters', csv: `a${NAME253}`, message: `--domains: invalid domain "a${NAME253.slice(0, 75)}...: longer than 253 characters` },
    { name: 'a wildcard not at the start', csv: 'a.*.example.com', message: "--domains: invalid domain \"a.*.example.com\": '*' is allowed only as a leading '*.' wildcard" },
    { name: 'a bare wildcard', csv: '*', message: "--domains: invalid domain \"*\": '*' is allowed only as a leading '*.' wildcard" },
    { name: 'a double wildcard', csv: '*.*.example.com', message: "--domains: invalid domain \"*.*.example.com\": '*' is allowed only as a leading '*.' wildcard" },
    { name: 'an IP address', csv: '192.168.1.10', message: '--domains: invalid domain "192.168.1.10": the last label is all digits (an IP address is not a CDN domain)' },
    { name: 'a URL instead of a domain', csv: 'https://a.example.com', message: '--domains: invalid domain "https://a.example.com": give the bare host name, without scheme, port or path' },
    { name: 'a port', csv: 'a.example.com:8080', message: '--domains: invalid domain "a.example.com:8080": give the bare host name, without scheme, port or path' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = refusal(() => parseDomains(c.csv));
      expect(err.code).toBe('CDN_ETL_INVALID_ARGUMENT');
      expect(err.source).toBe('--domains');
      expect(err.message).toBe(c.message);
    });
  }

  it('the first bad domain of a list is the one named', () => {
    expect(refusal(() => parseDomains('ok.example.com,bad_one.example.com,worse one')).message).toContain('"bad_one.example.com"');
  });

  it('another flag can be named', () => {
    expect(refusal(() => parseDomains('a b', '--domain')).source).toBe('--domain');
    expect(refusal(() => validateDomain('a,b.example.com', '--domain')).message).toBe(
      '--domain: invalid domain "a,b.example.com": contains a comma (separate domains with commas, one name each)',
    );
  });
});
