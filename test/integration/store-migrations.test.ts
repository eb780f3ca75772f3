import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, readMigrationFiles, runMigrations } from '../../src/store/migrations-runner.js';
import { execSql, rowsAsObjects } from '../../src/store/questdb-http.js';
import { QUESTDB_HTTP } from '../helpers/test-services.js';

const HTTP = QUESTDB_HTTP;

describe('migrations runner on a fresh history table and a temp folder', () => {
  const id = randomUUID().slice(0, 8);
  const history = `store_test_history_${id}`;
  const tableA = `store_test_mig_a_${id}`;
  const tableB = `store_test_mig_b_${id}`;
  const tableC = `store_test_mig_c_${id}`;
  const tableE = `store_test_mig_e_${id}`;
  let dir: string;

  const file1 = `-- 001: creates ${tableA}, a test table; why: exercise the runner\nCREATE TABLE IF NOT EXISTS ${tableA} (ts TIMESTAMP, v DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL;\n`;
  const file2 =
    `-- 002: creates ${tableB} and fills one row; two statements, a ';' inside a literal and a comment\n` +
    `CREATE TABLE IF NOT EXISTS ${tableB} (name VARCHAR, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY NONE BYPASS WAL;\n` +
    `INSERT INTO ${tableB} VALUES ('a;b -- not a comment', '2026-01-01T00:00:00.000Z'); -- trailing comment\n`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdn-etl-migrations-'));
    writeFileSync(join(dir, '001_create_a.sql'), file1);
    writeFileSync(join(dir, '002_create_b.sql'), file2);
    writeFileSync(join(dir, 'README.txt'), 'not a migration');
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const t of [history, tableA, tableB, tableC]) await execSql(HTTP, `DROP TABLE IF EXISTS ${t}`);
  });

  async function historyRows(): Promise<{ name: string; checksum: string }[]> {
    return rowsAsObjects(await execSql(HTTP, `SELECT name, checksum FROM ${history} ORDER BY name`)) as { name: string; checksum: string }[];
  }

  async function tableExists(table: string): Promise<boolean> {
    return (await execSql(HTTP, `SELECT table_name FROM tables() WHERE table_name = '${table}'`)).count === 1;
  }

  it('first run applies every file in name order and records name and sha256', async () => {
    const result = await runMigrations({ questdbHttp: HTTP, dir, historyTable: history });
    expect(result).toEqual({ applied: ['001_create_a.sql', '002_create_b.sql'], skipped: [] });
    expect(await tableExists(tableA)).toBe(true);
    const rows = rowsAsObjects(await execSql(HTTP, `SELECT name FROM ${tableB}`));
    expect(rows).toEqual([{ name: 'a;b -- not a comment' }]);
    expect(await historyRows()).toEqual([
      { name: '001_create_a.sql', checksum: createHash('sha256').update(file1).digest('hex') },
      { name: '002_create_b.sql', checksum: createHash('sha256').update(file2).digest('hex') },
    ]);
  });

  it('a second run changes nothing: everything skipped, no new history, no second insert', async () => {
    const result = await runMigrations({ questdbHttp: HTTP, dir, historyTable: history });
    expect(result).toEqual({ applied: [], skipped: ['001_create_a.sql', '002_create_b.sql'] });
    expect(await historyRows()).toHaveLength(2);
    expect((await execSql(HTTP, `SELECT count() FROM ${tableB}`)).dataset).toEqual([[1]]);
  });

  it('a changed applied migration is refused, naming the file, before anything else runs', async () => {
    writeFileSync(join(dir, '002_create_b.sql'), `${file2}-- an innocent-looking edit\n`);
    writeFileSync(join(dir, '003_create_c.sql'), `-- 003: creates ${tableC}\nCREATE TABLE ${tableC} (x INT);\n`);
    await expect(runMigrations({ questdbHttp: HTTP, dir, historyTable: history })).rejects.toMatchObject({
      code: 'CDN_ETL_MIGRATION_CHANGED',
      file: '002_create_b.sql',
      message: expect.stringContaining('002_create_b.sql'),
    });
    expect(await tableExists(tableC)).toBe(false);
    expect(await historyRows()).toHaveLength(2);
    writeFileSync(join(dir, '002_create_b.sql'), file2);
  });

  it('with the file restored, only the new migration is applied', async () => {
    const result = await runMigrations({ questdbHttp: HTTP, dir, historyTable: history });
    expect(result).toEqual({ applied: ['003_create_c.sql'], skipped: ['001_create_a.sql', '002_create_b.sql'] });
    expect(await tableExists(tableC)).toBe(true);
  });

  it('a refused statement fails the run, naming the file and statement, and is not recorded', async () => {
    writeFileSync(join(dir, '004_broken.sql'), `-- 004: broken on purpose\nCREATE TABLE IF NOT EXISTS ${tableE} (x INT) ;\nSELEC nonsense FROM;\n`);
    try {
      await expect(runMigrations({ questdbHttp: HTTP, dir, historyTable: history })).rejects.toMatchObject({
        code: 'CDN_ETL_MIGRATION_FAILED',
        file: '004_broken.sql',
        message: expect.stringContaining('004_broken.sql, statement 2 of 2'),
      });
      expect((await historyRows()).map((r) => r.name)).not.toContain('004_broken.sql');
    } finally {
      rmSync(join(dir, '004_broken.sql'));
      await execSql(HTTP, `DROP TABLE IF EXISTS ${tableE}`);
    }
  });

  it('refuses a misnamed migration file and a missing folder', async () => {
    writeFileSync(join(dir, 'create_d.sql'), 'SELECT 1;');
    try {
      await expect(runMigrations({ questdbHttp: HTTP, dir, historyTable: history })).rejects.toMatchObject({ code: 'CDN_ETL_MIGRATION_FAILED', file: 'create_d.sql' });
    } finally {
      rmSync(join(dir, 'create_d.sql'));
    }
    await expect(runMigrations({ questdbHttp: HTTP, dir: join(dir, 'nope'), historyTable: history })).rejects.toMatchObject({ code: 'CDN_ETL_MIGRATION_FAILED' });
  });

  it('QuestDB unreachable: ServiceUnavailableError, nothing else', async () => {
    await expect(runMigrations({ questdbHttp: 'http://127.0.0.1:9', dir, historyTable: history })).rejects.toMatchObject({
      code: 'CDN_ETL_SERVICE_UNAVAILABLE',
      service: 'questdb',
      message: expect.stringContaining('QuestDB does not answer at http://127.0.0.1:9'),
    });
  });
});

describe('the real migrations', () => {
  it('are found from the module, not the cwd, and each starts with a header comment', () => {
    const files = readMigrationFiles(defaultMigrationsDir());
    expect(files.map((f) => f.name)).toContain('001_create_cdn_src_traffic.sql');
    for (const f of files) expect(f.sql.startsWith('-- ')).toBe(true);
    expect(readFileSync(join(defaultMigrationsDir(), '001_create_cdn_src_traffic.sql'), 'utf8')).toContain('CREATE TABLE IF NOT EXISTS cdn_src_traffic');
  });

  it('create cdn_src_traffic exactly as the contract says', async () => {
    await runMigrations({ questdbHttp: HTTP });
    const columns = rowsAsObjects(await execSql(HTTP, 'SHOW COLUMNS FROM cdn_src_traffic')).map((c) => ({
      column: c.column,
      type: c.type,
      designated: c.designated,
      upsertKey: c.upsertKey,
    }));
    expect(columns).toEqual([
      { column: 'ts', type: 'TIMESTAMP', designated: true, upsertKey: true },
      { column: 'domain', type: 'SYMBOL', designated: false, upsertKey: true },
      { column: 'interval_s', type: 'INT', designated: false, upsertKey: true },
      { column: 'bits', type: 'DOUBLE', designated: false, upsertKey: false },
      { column: 'fetched_at', type: 'TIMESTAMP', designated: false, upsertKey: false },
    ]);
    const [table] = rowsAsObjects(await execSql(HTTP, "SELECT partitionBy, walEnabled, dedup, ttlValue FROM tables() WHERE table_name = 'cdn_src_traffic'"));
    expect(table).toEqual({ partitionBy: 'DAY', walEnabled: true, dedup: true, ttlValue: 0 });
  });
});
