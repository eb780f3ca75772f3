/**
 * Applies migrations/*.sql in name order through QuestDB's /exec, one statement per call, and
 * records each applied file (name, sha256, time) in a history table of its own. Applied files
 * are skipped; an applied file whose content changed stops everything before any statement runs.
 *
 * QuestDB has no transactional DDL: a file that fails half-way is not recorded, so the next run
 * applies it again from the top. Write migrations so that re-running them is harmless
 * (CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationError, QueryError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { QuestDbHttp } from './questdb-access.js';
import { execSql, rowsAsObjects } from './questdb-http.js';
import { assertSqlName, quoteStringLiteral } from './sql-quote.js';
import { splitSqlStatements } from './sql-statements.js';
import { waitUntilVisible } from './wal-visibility.js';

export const DEFAULT_HISTORY_TABLE = 'cdn_etl_migrations';

/** The table an `ALTER TABLE name ...` statement changes (after any leading comment lines). */
const ALTERED_TABLE = /^(?:\s*--[^\n]*\n)*\s*ALTER\s+TABLE\s+([A-Za-z_][A-Za-z0-9_]*)\b/i;

/** Migration files are named `NNN_words.sql`; the number orders them. */
const MIGRATION_FILE = /^\d+_[A-Za-z0-9_.-]+\.sql$/;
/** DDL on a large table can take a while; a statement gets this long before we call QuestDB absent. */
const STATEMENT_TIMEOUT_MS = 10 * 60_000;

export interface RunMigrationsOptions {
  /** QuestDB's HTTP side with its credentials (app-runtime.ts questDbEndpointOf), or a bare origin without any. */
  readonly questdbHttp: QuestDbHttp;
  /** Folder of `.sql` files. Default: the package's own migrations/ folder (found from this module, not the cwd). */
  readonly dir?: string;
  /** Where applied migrations are recorded. Default `cdn_etl_migrations`. */
  readonly historyTable?: string;
  readonly logger?: Logger;
}

export interface RunMigrationsResult {
  /** Files applied by this run, in order. */
  readonly applied: string[];
  /** Files already applied earlier, in order. */
  readonly skipped: string[];
}

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  /** Hex sha256 of the file's bytes. */
  readonly checksum: string;
}

/**
 * Applies the pending migrations of `dir` (default: the package's migrations/) to QuestDB.
 *
 * @example const { applied, skipped } = await runMigrations({ questdbHttp: 'http://127.0.0.1:9000' });
 * @throws MigrationError CDN_ETL_MIGRATION_CHANGED (naming the file) when an applied file changed,
 *   CDN_ETL_MIGRATION_FAILED when a statement is refused or the folder is unusable;
 *   ServiceUnavailableError when QuestDB does not answer.
 */
export async function runMigrations(options: RunMigrationsOptions): Promise<RunMigrationsResult> {
  const dir = options.dir ?? defaultMigrationsDir();
  const history = assertSqlName(options.historyTable ?? DEFAULT_HISTORY_TABLE, 'historyTable');
  const files = readMigrationFiles(dir);
  const http = options.questdbHttp;

  await execSql(
    http,
    // Not WAL: a row inserted here is visible to the next SELECT at once, with no apply lag.
    `CREATE TABLE IF NOT EXISTS ${history} (name VARCHAR, checksum VARCHAR, applied_at TIMESTAMP) TIMESTAMP(applied_at) PARTITION BY NONE BYPASS WAL`,
  );
  const recorded = await appliedChecksums(http, history);

  // Refuse before touching anything: a changed applied migration means this database and this
  // code disagree about the schema.
  for (const file of files) {
    const known = recorded.get(file.name);
    if (known !== undefined && !known.has(file.checksum)) {
      throw new MigrationError(
        'CDN_ETL_MIGRATION_CHANGED',
        file.name,
        `migration ${file.name} was changed after it was applied (recorded sha256 ${[...known][0]}, file now ${file.checksum}); ` +
          'restore the file and put the change in a new numbered migration',
      );
    }
  }
  for (const name of recorded.keys()) {
    if (!files.some((f) => f.name === name)) options.logger?.warn({ migration: name, dir }, 'applied migration has no file in the migrations folder');
  }

  const applied: string[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    if (recorded.has(file.name)) {
      skipped.push(file.name);
      continue;
    }
    const statements = splitSqlStatements(file.sql);
    for (let i = 0; i < statements.length; i++) {
      try {
        await execSql(http, statements[i]!, { timeoutMs: STATEMENT_TIMEOUT_MS });
        // QuestDB applies an ALTER of a WAL table asynchronously: the next statement (a view over a renamed
        // column, say) must not run before the change is visible, or it fails on a busy machine.
        const altered = ALTERED_TABLE.exec(statements[i]!)?.[1];
        if (altered !== undefined) await waitUntilVisible(http, altered, { timeoutMs: STATEMENT_TIMEOUT_MS });
      } catch (err) {
        if (err instanceof QueryError) {
          throw new MigrationError('CDN_ETL_MIGRATION_FAILED', file.name, `migration ${file.name}, statement ${i + 1} of ${statements.length}: ${err.message}`);
        }
        throw err;
      }
    }
    await execSql(http, `INSERT INTO ${history} (name, checksum, applied_at) VALUES (${quoteStringLiteral(file.name)}, ${quoteStringLiteral(file.checksum)}, now())`);
    options.logger?.debug({ migration: file.name, statements: statements.length }, 'migration applied');
    applied.push(file.name);
  }
  return { applied, skipped };
}

/**
 * The `.sql` files of `dir` in name order with their checksums.
 *
 * @throws MigrationError CDN_ETL_MIGRATION_FAILED when the folder is missing or a file is misnamed.
 */
export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MigrationError('CDN_ETL_MIGRATION_FAILED', dir, `migrations folder not found: ${dir}`);
  }
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => {
    if (!MIGRATION_FILE.test(name)) {
      throw new MigrationError('CDN_ETL_MIGRATION_FAILED', name, `migration file ${name} must be named like 002_add_something.sql`);
    }
    const bytes = readFileSync(join(dir, name));
    return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
  });
}

/**
 * The package's migrations/ folder, found by walking up from this module to the directory that
 * holds both package.json and migrations/, so it works from src/, dist/ and any other build output.
 */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return join(dir, 'migrations');
    const parent = resolve(dir, '..');
    if (parent === dir) {
      throw new MigrationError('CDN_ETL_MIGRATION_FAILED', 'migrations', `no migrations/ folder found above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

/** name -> checksums recorded for it (two concurrent first runs may both record the same file). */
async function appliedChecksums(http: QuestDbHttp, history: string): Promise<Map<string, Set<string>>> {
  const result = await execSql(http, `SELECT name, checksum FROM ${history}`);
  const map = new Map<string, Set<string>>();
  for (const row of rowsAsObjects(result)) {
    const name = String(row.name);
    const set = map.get(name) ?? new Set<string>();
    set.add(String(row.checksum));
    map.set(name, set);
  }
  return map;
}
