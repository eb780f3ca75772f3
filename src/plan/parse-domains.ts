/**
 * Domain names given by the user (`--domains a.com,b.com`). Pure.
 *
 * A domain is an RFC 1123 host name: dot-separated labels of 1-63 letters, digits and hyphens, no
 * hyphen at either end of a label, at most 253 characters, optionally behind one leading `*.` (a
 * wildcard CDN domain). It is lower-cased. Refused with the offending name: spaces and any other
 * whitespace or control character, quotes, `=`, `_` (it is the separator inside chunk ids), a trailing
 * dot, an empty name (`a.com,,b.com`), a URL or a port (`https://a.com`, `a.com:443`), an all-digit
 * last label (an IP address is not a CDN domain), and non-ASCII (give an IDN in punycode: `xn--...`).
 * Duplicates (after lower-casing) are dropped, first occurrence wins, order kept.
 */
import { InvalidArgumentError } from '../core/errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_LENGTH = 253;
/** The longest name validateDomain() accepts (a wildcard's `*.` included). */
export const MAX_DOMAIN_LENGTH = MAX_LENGTH;

/**
 * Validates one domain name and returns it lower-cased.
 *
 * @example validateDomain('IMG.Example.com') // 'img.example.com'
 * @throws InvalidArgumentError naming `flag` and the domain.
 */
export function validateDomain(name: string, flag = '--domains'): string {
  const problem = domainProblem(name);
  if (problem) throw new InvalidArgumentError(`invalid domain ${show(name)}: ${problem}`, flag);
  return name.toLowerCase();
}

/**
 * Splits a comma-separated list, validates every name and removes duplicates.
 *
 * @example parseDomains('a.example.com,*.cdn.example.com,A.example.com') // ['a.example.com', '*.cdn.example.com']
 * @throws InvalidArgumentError naming `flag` and the first bad domain.
 */
export function parseDomains(csv: string, flag = '--domains'): string[] {
  if (csv === '') throw new InvalidArgumentError('needs at least one domain', flag);
  const seen = new Set<string>();
  for (const item of csv.split(',')) seen.add(validateDomain(item, flag));
  return [...seen];
}

function domainProblem(name: string): string | undefined {
  if (name === '') return 'empty name (two commas in a row, or a comma at an end?)';
  if (/[^\x00-\x7f]/.test(name)) return 'non-ASCII characters; give an internationalised name in punycode (xn--...)';
  if (/\s/.test(name)) return 'contains whitespace';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains a control character';
  if (/["'`]/.test(name)) return 'contains a quote';
  if (name.includes(',')) return 'contains a comma (separate domains with commas, one name each)';
  if (name.includes('=')) return "contains '='";
  if (/[/:@?#]/.test(name)) return 'give the bare host name, without scheme, port or path';
  if (name.length > MAX_LENGTH) return `longer than ${MAX_LENGTH} characters`;
  if (name.endsWith('.')) return 'ends with a dot';
  const lower = name.toLowerCase();
  const host = lower.startsWith('*.') ? lower.slice(2) : lower;
  if (host.includes('*')) return "'*' is allowed only as a leading '*.' wildcard";
  const labels = host.split('.');
  for (const label of labels) {
    if (label === '') return 'empty label (two dots in a row, or a dot at the start)';
    if (label.length > 63) return `label ${show(label)} is longer than 63 characters`;
    if (!LABEL.test(label)) return `label ${show(label)} may hold only letters, digits and inner hyphens`;
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'the last label is all digits (an IP address is not a CDN domain)';
  return undefined;
}

function show(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
