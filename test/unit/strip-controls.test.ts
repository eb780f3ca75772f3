import { describe, expect, it } from 'vitest';
import { stripControls } from '../../src/core/strip-controls.js';

describe('stripControls (issue 15, finding 7)', () => {
  it.each([
    ['ANSI colour', 'a\u001b[31mred\u001b[0m', 'a[31mred[0m'],
    ['C1 CSI', 'x\u009b2Jy', 'x2Jy'],
    ['newline forging a line', 'ok\ncdn-etl: forged', 'ok cdn-etl: forged'],
    ['CR LF tab runs', 'a\r\n\tb', 'a b'],
    ['NUL, BEL, DEL', 'a\u0000b\u0007c\u007fd', 'abcd'],
    ['bidi override and line separator', 'abc\u202edef\u2028g', 'abcdef g'],
    ['plain text untouched', 'Throttling.User: Request was denied (HTTP 400)', 'Throttling.User: Request was denied (HTTP 400)'],
    ['non-ASCII letters kept', '域名 ümlaut', '域名 ümlaut'],
  ])('%s', (_name, raw, expected) => {
    expect(stripControls(raw)).toBe(expected);
  });
});
