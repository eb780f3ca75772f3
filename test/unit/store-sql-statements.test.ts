import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from '../../src/store/sql-statements.js';

describe('splitSqlStatements', () => {
  const cases: { name: string; sql: string; expected: string[] }[] = [
    { name: 'empty text', sql: '', expected: [] },
    { name: 'only comments and whitespace', sql: '-- a header\n  -- more\n\n', expected: [] },
    { name: 'one statement without a final semicolon', sql: 'SELECT 1', expected: ['SELECT 1'] },
    { name: 'two statements', sql: 'CREATE TABLE a (x INT);\nDROP TABLE b;\n', expected: ['CREATE TABLE a (x INT)', 'DROP TABLE b'] },
    { name: 'header comment dropped', sql: '-- creates a; why\nCREATE TABLE a (x INT);', expected: ['CREATE TABLE a (x INT)'] },
    { name: 'semicolon inside a line comment does not split', sql: 'SELECT 1 -- not; a split\n, 2;', expected: ['SELECT 1 \n, 2'] },
    { name: 'semicolon inside a string literal does not split', sql: "INSERT INTO t VALUES ('a;b');SELECT 2;", expected: ["INSERT INTO t VALUES ('a;b')", 'SELECT 2'] },
    { name: 'doubled quote inside a literal', sql: "SELECT 'it''s; fine';", expected: ["SELECT 'it''s; fine'"] },
    { name: 'double dash inside a literal is not a comment', sql: "SELECT '--x';", expected: ["SELECT '--x'"] },
    { name: 'quoted identifier with a semicolon', sql: 'SELECT "a;b" FROM t;', expected: ['SELECT "a;b" FROM t'] },
    { name: 'block comment dropped', sql: 'SELECT /* ; */ 1;', expected: ['SELECT   1'] },
    { name: 'empty statements between semicolons dropped', sql: ';;SELECT 1;;', expected: ['SELECT 1'] },
    { name: 'comment at end of file without newline', sql: 'SELECT 1; -- trailing', expected: ['SELECT 1'] },
    { name: 'unterminated literal kept for the server to report', sql: "SELECT 'abc", expected: ["SELECT 'abc"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(splitSqlStatements(c.sql)).toEqual(c.expected);
    });
  }
});
