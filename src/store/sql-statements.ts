/**
 * Splits a migration file into statements, because QuestDB's /exec runs exactly one per call.
 * A `;` ends a statement only outside string literals, quoted identifiers and comments;
 * comments are dropped so that what is sent and logged is the statement alone.
 */

/**
 * The statements of `text`, in order, comments removed and whitespace trimmed; empty ones dropped.
 * Handles `'...'` literals (with `''` escapes), `"..."` identifiers, `-- line` and `/* block *\/` comments.
 *
 * @example splitSqlStatements("-- header\nCREATE TABLE a (x INT);\nDROP TABLE b;") // ['CREATE TABLE a (x INT)', 'DROP TABLE b']
 */
export function splitSqlStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const n = text.length;
  const flush = (): void => {
    const s = current.trim();
    if (s !== '') statements.push(s);
    current = '';
  };
  while (i < n) {
    const c = text[i]!;
    const next = i + 1 < n ? text[i + 1] : '';
    if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? n : eol;
      // The newline itself is kept so that tokens on either side stay apart.
      continue;
    }
    if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
      current += ' ';
      continue;
    }
    if (c === "'" || c === '"') {
      const end = endOfQuoted(text, i, c);
      current += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === ';') {
      flush();
      i += 1;
      continue;
    }
    current += c;
    i += 1;
  }
  flush();
  return statements;
}

/** Index just past the closing quote of the quoted run starting at `start`; a doubled quote is an escape. */
function endOfQuoted(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  // Unterminated: keep the rest as is and let the server report the error with its position.
  return text.length;
}
