/**
 * Issue 8, item 6: "No SQL is ever built by pasting user input." Checked on the source itself: every template
 * literal in src/ that reads as SQL may interpolate only
 * - a call to quoteStringLiteral / quoteIdentifier / assertSqlName (src/store/sql-quote.ts), or
 * - a conditional between two string literals, or
 * - a name listed below, each validated at its origin (the reason says where).
 * A new `${domain}` pasted into a query fails this test and must go through a bind parameter instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src', import.meta.url).pathname;
// Upper-case keywords only: the code writes SQL in capitals, and English prose ("from 0 to 15") must not match.
const SQL = /\b(SELECT\s[\s\S]+\sFROM|INSERT INTO|UPDATE\s\S+\sSET|DELETE FROM|ALTER TABLE|CREATE (TABLE|MATERIALIZED VIEW|VIEW|INDEX)|DROP TABLE|FROM [a-z_\x24]|WHERE [a-z_]|SAMPLE BY)/;
const QUOTING_CALLS = new Set(['quoteStringLiteral', 'quoteIdentifier', 'assertSqlName']);

/** file (relative to src/) -> interpolated name -> why it is safe. */
const VALIDATED_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'report/report-query.ts': {
    table: 'reportSql() checks it with assertSqlName(table) before building the text',
    placeholders: 'only `$5, $6, ...` built from a count; the domains themselves are bind parameters',
    tz: 'only ` TIME ZONE $N` with N built from a count, or empty; the zone itself is a bind parameter',
  },
  'gaps/gaps-reader.ts': { table: 'presentSlotsSql() checks it with assertSqlName(table); the domain and times are bind parameters' },
  'store/migrations-runner.ts': { history: 'assertSqlName(options.historyTable ...)' },
  'report/report-figures.ts': { list: 'only `$3, $4, ...` built from a count; the domains themselves are bind parameters' },
  'store/value-unit.ts': { name: 'assertSqlName(table) at the top of readValueUnit', table: 'assertSqlName(options.table ?? VALUE_UNIT_TABLE) at the top of recordValueUnit' },
  'store/chunk-ledger.ts': {
    LEDGER_TABLE: 'a constant of the module',
    domains: 'each domain passed through quoteStringLiteral, joined with commas',
    starts: 'each time an ISO string of a number, passed through quoteStringLiteral, joined with commas',
  },
  'store/wal-visibility.ts': { table: 'assertSqlName(table) at the top of waitUntilVisible; and the text is an error message, not a query' },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

interface Pasting {
  readonly where: string;
  readonly expression: string;
}

function pastings(file: string): Pasting[] {
  return pastingsIn(path.relative(SRC, file), readFileSync(file, 'utf8'));
}

function pastingsIn(rel: string, text: string): Pasting[] {
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const allowed = VALIDATED_NAMES[rel] ?? {};
  const found: Pasting[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTemplateExpression(node)) {
      const literal = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? ');
      if (SQL.test(literal)) {
        for (const span of node.templateSpans) {
          const e = span.expression;
          const ok =
            (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && QUOTING_CALLS.has(e.expression.text)) ||
            (ts.isConditionalExpression(e) && ts.isStringLiteralLike(e.whenTrue) && ts.isStringLiteralLike(e.whenFalse)) ||
            (ts.isIdentifier(e) && e.text in allowed);
          if (!ok) {
            const { line } = source.getLineAndCharacterOfPosition(e.getStart());
            found.push({ where: `${rel}:${line + 1}`, expression: e.getText() });
          }
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no SQL is built by pasting input (issue 8, item 6)', () => {
  const files = sourceFiles(SRC);

  it('finds the SQL texts it is meant to police (the scan is not blind)', () => {
    const withSql = files.filter((f) => {
      const source = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
      let hit = false;
      const visit = (n: ts.Node): void => {
        if (ts.isTemplateExpression(n) && SQL.test(n.getText())) hit = true;
        ts.forEachChild(n, visit);
      };
      visit(source);
      return hit;
    });
    expect(withSql.map((f) => path.relative(SRC, f))).toEqual(expect.arrayContaining(['store/migrations-runner.ts', 'store/wal-visibility.ts', 'store/traffic-loader.ts', 'report/report-query.ts']));
  });

  it('interpolates only quoted literals, validated names or constant choices into SQL in src/', () => {
    expect(files.flatMap(pastings)).toEqual([]);
  });

  it.each([
    ['a domain pasted into a WHERE', "const q = `SELECT * FROM cdn_src_traffic WHERE domain = '${domain}'`;", 'domain'],
    ['a table name from a variable', 'const q = `INSERT INTO ${target} VALUES (1)`;', 'target'],
    ['a member expression', 'const q = `DELETE FROM t WHERE id = ${args.id}`;', 'args.id'],
  ])('would catch %s', (_name, code, expression) => {
    expect(pastingsIn('probe.ts', code)).toEqual([{ where: 'probe.ts:1', expression }]);
  });
});
