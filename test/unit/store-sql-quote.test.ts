import { describe, expect, it } from 'vitest';
import { assertSqlName, quoteIdentifier, quoteStringLiteral } from '../../src/store/sql-quote.js';

describe('quoteStringLiteral', () => {
  const cases: { name: string; value: string; expected: string }[] = [
    { name: 'plain', value: 'abc', expected: "'abc'" },
    { name: 'empty', value: '', expected: "''" },
    { name: 'single quote doubled', value: "it's", expected: "'it''s'" },
    { name: 'injection attempt stays inside the literal', value: "x'; DROP TABLE t; --", expected: "'x''; DROP TABLE t; --'" },
    { name: 'unicode kept', value: 'é漢', expected: "'é漢'" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(quoteStringLiteral(c.value)).toBe(c.expected);
    });
  }
  it('refuses NUL', () => {
    expect(() => quoteStringLiteral('a\u0000b')).toThrowError(expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT' }));
  });
});

describe('assertSqlName / quoteIdentifier', () => {
  const good = ['cdn_src_traffic', '_x', 'A1', 'a'.repeat(127)];
  for (const name of good) {
    it(`accepts ${name.length > 20 ? `${name.length} characters` : name}`, () => {
      expect(assertSqlName(name)).toBe(name);
      expect(quoteIdentifier(name)).toBe(`"${name}"`);
    });
  }
  const bad: { name: string; value: string }[] = [
    { name: 'empty', value: '' },
    { name: 'leading digit', value: '1abc' },
    { name: 'space', value: 'a b' },
    { name: 'quote', value: 'a"b' },
    { name: 'semicolon', value: 'a;drop' },
    { name: 'dash', value: 'a-b' },
    { name: 'dot', value: 'a.b' },
    { name: 'too long', value: 'a'.repeat(128) },
  ];
  for (const c of bad) {
    it(`refuses ${c.name}, naming the source`, () => {
      expect(() => assertSqlName(c.value, '--table')).toThrowError(
        expect.objectContaining({ code: 'CDN_ETL_INVALID_ARGUMENT', source: '--table', message: expect.stringMatching(/^--table: /) }),
      );
    });
  }
});
