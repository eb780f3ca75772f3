/**
 * The compose stack's provisioning files parse, and what they name exists: the datasource and scrape targets
 * name compose services and their ports, the dashboard queries name the real tables and views created by
 * migrations/, every mounted file is in the repository.
 *
 * `yaml` is not a dependency: the files are read with the strict parser below, which accepts only the YAML
 * subset they use (block mappings and sequences, JSON-style flow collections, quoted and plain scalars,
 * comments) and throws on anything else, so a file it accepts means what it appears to mean.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

function stripComment(line: string, no: number): string {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  if (quote) throw new Error(`line ${no}: unterminated quote`);
  return line.trimEnd();
}

/** Parses the YAML subset described above; throws naming the line for anything outside it. */
function parseStrictYaml(src: string): unknown {
  const lines: Line[] = [];
  src.split('\n').forEach((raw, idx) => {
    const no = idx + 1;
    if (raw.includes('\t')) throw new Error(`line ${no}: tab`);
    const text = stripComment(raw, no);
    if (text.trim() === '') return;
    if (text.trim() === '---' || text.trim() === '...') throw new Error(`line ${no}: multi-document streams are not supported`);
    lines.push({ indent: text.length - text.trimStart().length, text: text.trim(), no });
  });
  let i = 0;
  const isSeqItem = (t: string): boolean => t === '-' || t.startsWith('- ');
  const mapEntry = /^([A-Za-z_][\w.-]*):(?:\s+(.*))?$/;

  function scalar(v: string, no: number): unknown {
    if (v.startsWith('"') || v.startsWith('[') || v.startsWith('{')) {
      try {
        return JSON.parse(v);
      } catch {
        throw new Error(`line ${no}: not a JSON-style value: ${v}`);
      }
    }
    if (v.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(v)) throw new Error(`line ${no}: bad single-quoted string`);
      return v.slice(1, -1).replace(/''/g, "'");
    }
    if (/^[&*!|>%@`]/.test(v)) throw new Error(`line ${no}: anchors, tags and block scalars are not supported: ${v}`);
    if (v === 'true' || v === 'false') return v === 'true';
    if (v === 'null' || v === '~') return null;
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (/:\s/.test(v)) throw new Error(`line ${no}: ': ' inside a plain scalar: ${v}`);
    return v;
  }

  function node(indent: number): unknown {
    return isSeqItem(lines[i]!.text) ? seq(indent) : map(indent);
  }

  function seq(indent: number): unknown[] {
    const out: unknown[] = [];
    while (i < lines.length && lines[i]!.indent === indent && isSeqItem(lines[i]!.text)) {
      const line = lines[i]!;
      const rest = line.text.slice(1).trim();
      if (rest === '') {
        i++;
        if (i >= lines.length || lines[i]!.indent <= indent) throw new Error(`line ${line.no}: empty sequence item`);
        out.push(node(lines[i]!.indent));
      } else if (mapEntry.test(rest)) {
        lines[i] = { indent: indent + 2, text: rest, no: line.no };
        out.push(map(indent + 2));
      } else {
        out.push(scalar(rest, line.no));
        i++;
      }
    }
    if (i < lines.length && lines[i]!.indent > indent) throw new Error(`line ${lines[i]!.no}: unexpected indentation`);
    return out;
  }

  function map(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const line = lines[i]!;
      const m = mapEntry.exec(line.text);
      if (!m) throw new Error(`line ${line.no}: expected "key: value", got ${line.text}`);
      const key = m[1]!;
      if (Object.hasOwn(out, key)) throw new Error(`line ${line.no}: duplicate key ${key}`);
      i++;
      const value = m[2];
      if (value === undefined || value === '') {
        out[key] = i < lines.length && lines[i]!.indent > indent ? node(lines[i]!.indent) : null;
      } else {
        out[key] = scalar(value, line.no);
      }
    }
    if (i < lines.length && lines[i]!.indent > indent) throw new Error(`line ${lines[i]!.no}: unexpected indentation`);
    return out;
  }

  if (lines.length === 0) return null;
  const doc = node(lines[0]!.indent);
  if (i < lines.length) throw new Error(`line ${lines[i]!.no}: unexpected content`);
  return doc;
}

type Obj = Record<string, any>;

/** Every table and view the migrations create. */
function migratedRelations(): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(join(ROOT, 'migrations')).filter((n) => n.endsWith('.sql'))) {
    for (const m of read(`migrations/${f}`).matchAll(/CREATE\s+(?:TABLE|MATERIALIZED\s+VIEW|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi)) names.add(m[1]!);
  }
  return names;
}

/** Relations named after FROM or JOIN in a query (sub-selects excluded). */
function relationsIn(sql: string): string[] {
  return [...sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!);
}

const compose = parseStrictYaml(read('docker-compose.yml')) as Obj;
const services = compose.services as Obj;
const prometheus = parseStrictYaml(read('prometheus/prometheus.yml')) as Obj;
const datasources = parseStrictYaml(read('grafana/provisioning/datasources/cdn-etl.yaml')) as Obj;
const providers = parseStrictYaml(read('grafana/provisioning/dashboards/cdn-etl.yaml')) as Obj;
const dashboardFiles = readdirSync(join(ROOT, 'grafana/dashboards')).filter((n) => n.endsWith('.json'));
const dashboards = dashboardFiles.map((f) => JSON.parse(read(`grafana/dashboards/${f}`)) as Obj);

describe('the strict YAML reader', () => {
  const cases: [string, string, unknown][] = [
    ['nested maps and sequences', 'a:\n  b: 1\n  c:\n    - x\n    - y: "z"\n      w: true\n', { a: { b: 1, c: ['x', { y: 'z', w: true }] } }],
    ['flow list and comments', 'k: ["a", "b"] # note\n# whole line\nq: \'it\'\'s\'\n', { k: ['a', 'b'], q: "it's" }],
    ['colons inside a plain scalar', 'image: redis:7\n', { image: 'redis:7' }],
  ];
  for (const [name, src, want] of cases) it(name, () => expect(parseStrictYaml(src)).toEqual(want));
  const bad: [string, string][] = [
    ['duplicate key', 'a: 1\na: 2\n'],
    ['anchor', 'a: &x 1\n'],
    ['bad indentation', 'a: 1\n   b: 2\n'],
    ['tab', 'a:\n\tb: 1\n'],
    ['block scalar', 'a: |\n  text\n'],
  ];
  for (const [name, src] of bad) it(`refuses: ${name}`, () => expect(() => parseStrictYaml(src)).toThrow());
});

describe('docker-compose.yml', () => {
  it('keeps redis and questdb and adds migrate, worker, sync, prometheus and grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'migrate', 'prometheus', 'questdb', 'redis', 'sync', 'worker']);
    expect(services.redis.image).toBe('redis:7.4.2');
    expect(services.questdb.image).toBe('questdb/questdb:9.3.4');
  });

  it('pins every image to an exact version (issue 16): no floating tag such as redis:7 or latest', () => {
    for (const [name, svc] of Object.entries(services) as [string, Obj][]) {
      expect(String(svc.image), name).toMatch(/^(cdn-etl:local|[a-z0-9/_-]+:v?\d+\.\d+\.\d+)$/);
    }
  });

  it('sync is opt-in (profile sync) and stops with a message, not a restart loop, without CDN_ETL_DOMAINS', () => {
    expect(services.sync.profiles).toEqual(['sync']);
    expect(services.sync.restart).toBe('on-failure:5');
    expect(services.sync.environment.CDN_ETL_DOMAINS).toBe('${CDN_ETL_DOMAINS:-}');
    const script: string = services.sync.entrypoint[2];
    expect(script).toContain('if [ -z "$$CDN_ETL_DOMAINS" ]');
    expect(script).toContain('set CDN_ETL_DOMAINS=a.com,b.com');
    expect(script).toContain('exec node bin/cdn-etl.js "$$@"');
  });

  it('grafana takes its admin password from GRAFANA_ADMIN_PASSWORD, with no default, and refuses to start without it', () => {
    expect(services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe('${GRAFANA_ADMIN_PASSWORD:-}');
    expect(read('docker-compose.yml')).not.toMatch(/GRAFANA_ADMIN_PASSWORD:-[^}]/);
    expect(services.grafana.entrypoint[2]).toContain('if [ -z "$$GF_SECURITY_ADMIN_PASSWORD" ]');
    expect(services.grafana.restart).toBe('on-failure:5');
  });

  it('builds worker, sync and migrate from the repository Dockerfile and points them at the compose services', () => {
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    for (const name of ['migrate', 'worker', 'sync']) {
      expect(services[name].build, name).toBe('.');
      expect(services[name].image, name).toBe('cdn-etl:local');
      expect(services[name].environment.QUESTDB_HTTP, name).toBe('http://questdb:9000');
      expect(services[name].depends_on.questdb.condition, name).toBe('service_healthy');
    }
    for (const name of ['worker', 'sync']) {
      const env = services[name].environment;
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.QUESTDB_PG).toBe('postgres://admin:quest@questdb:8812/qdb');
      expect(services[name].command[0]).toBe(name);
      const cmd: string[] = services[name].command;
      expect(cmd[cmd.indexOf('--http-port') + 1]).toBe('9464');
      expect(services[name].depends_on.migrate.condition).toBe('service_completed_successfully');
      // Secrets come from the environment of `docker compose`, never from this file.
      expect(env.ALIBABA_CLOUD_ACCESS_KEY_SECRET).toBe('${ALIBABA_CLOUD_ACCESS_KEY_SECRET:-}');
    }
    expect(services.migrate.command).toEqual(['migrate']);
  });

  it('mounts only files that exist, and declares every named volume', () => {
    const declared = Object.keys(compose.volumes);
    for (const [name, svc] of Object.entries(services) as [string, Obj][]) {
      for (const v of (svc.volumes ?? []) as string[]) {
        const source = v.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(declared, `${name}: ${source}`).toContain(source);
      }
    }
  });
});

describe('prometheus/prometheus.yml', () => {
  it('scrapes /metrics of the worker and sync services on the port they serve', () => {
    const jobs = prometheus.scrape_configs as Obj[];
    expect(jobs.map((j) => j.job_name)).toEqual(['cdn-etl-worker', 'cdn-etl-sync']);
    for (const job of jobs) {
      expect(job.metrics_path).toBe('/metrics');
      const [sd] = job.dns_sd_configs as Obj[];
      expect(sd!.names).toHaveLength(1);
      const service = sd!.names[0] as string;
      expect(Object.keys(services)).toContain(service);
      expect(job.job_name).toBe(`cdn-etl-${service}`);
      expect(sd!.port).toBe(9464);
    }
    expect(services.prometheus.volumes).toContain('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });
});

describe('grafana provisioning', () => {
  it('provisions QuestDB over PG wire at the questdb service, and Prometheus at the prometheus service', () => {
    expect(datasources.apiVersion).toBe(1);
    const byUid = new Map((datasources.datasources as Obj[]).map((d) => [d.uid, d]));
    const qdb = byUid.get('questdb')!;
    expect(qdb.type).toBe('grafana-postgresql-datasource');
    expect(qdb.url).toBe('questdb:8812');
    expect(services.questdb.ports.some((p: string) => p.endsWith(':8812'))).toBe(true);
    expect({ user: qdb.user, password: qdb.secureJsonData.password, database: qdb.jsonData.database, sslmode: qdb.jsonData.sslmode }).toEqual({
      user: 'admin',
      password: 'quest',
      database: 'qdb',
      sslmode: 'disable',
    });
    const prom = byUid.get('prometheus')!;
    expect(prom.type).toBe('prometheus');
    expect(prom.url).toBe('http://prometheus:9090');
    expect(services.prometheus.ports.some((p: string) => p.endsWith(':9090'))).toBe(true);
  });

  it('loads the dashboards from the folder grafana mounts', () => {
    const [provider] = providers.providers as Obj[];
    expect(provider!.type).toBe('file');
    expect(services.grafana.volumes).toContain(`./grafana/dashboards:${provider!.options.path}:ro`);
    expect(services.grafana.volumes).toContain('./grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(dashboardFiles).toEqual(['cdn-etl-traffic.json']);
  });

  it('pipeline counters: one series per counter and job, since rate() drops __name__', () => {
    const dash = dashboards[0]!;
    const panel = (dash.panels as Obj[]).find((p) => String(p.title).startsWith('Pipeline counters'))!;
    const counters = [...new Set([...read('src/ops/metrics.ts').matchAll(/'(cdn_etl_[a-z_]+_total)'/g)].map((m) => m[1]!))].sort();
    expect(counters).toHaveLength(7);
    const targets = panel.targets as Obj[];
    for (const t of targets) {
      expect(String(t.legendFormat)).not.toContain('__name__');
      expect(String(t.expr)).not.toContain('__name__');
      expect(String(t.expr)).toMatch(/^sum by \(job\) \(rate\(cdn_etl_[a-z_]+_total\{job=~"cdn-etl-worker\|cdn-etl-sync"\}\[5m\]\)\)$/);
    }
    expect(targets.map((t) => /cdn_etl_[a-z_]+_total/.exec(String(t.expr))![0]).sort()).toEqual(counters);
    expect(new Set(targets.map((t) => t.legendFormat)).size).toBe(counters.length);
  });

  it('the dashboard shows traffic, freshness and coverage from the real tables and views', () => {
    const relations = migratedRelations();
    expect([...relations].sort()).toEqual([
      'cdn_etl_ledger',
      'cdn_etl_value_unit',
      'cdn_src_traffic',
      'cdn_src_traffic_1d',
      'cdn_src_traffic_1d_best',
      'cdn_src_traffic_1h',
      'cdn_src_traffic_1h_best',
      'cdn_src_traffic_5m',
      'cdn_src_traffic_5m_best',
      'cdn_src_traffic_5m_pick',
      'cdn_src_traffic_p95_month_cn',
    ]);
    const dash = dashboards[0]!;
    const titles = (dash.panels as Obj[]).map((p) => String(p.title).toLowerCase());
    for (const word of ['traffic per domain', 'freshness', 'coverage']) expect(titles.some((t) => t.includes(word)), word).toBe(true);
    const uids = new Set((datasources.datasources as Obj[]).map((d) => d.uid));
    const jobs = new Set((prometheus.scrape_configs as Obj[]).map((j) => j.job_name));
    let sqlTargets = 0;
    for (const panel of dash.panels as Obj[]) {
      for (const t of panel.targets as Obj[]) {
        expect(uids.has(t.datasource.uid), panel.title).toBe(true);
        if (t.datasource.uid === 'questdb') {
          sqlTargets++;
          const used = relationsIn(t.rawSql);
          expect(used.length, panel.title).toBeGreaterThan(0);
          for (const r of used) expect(relations.has(r), `${panel.title}: ${r}`).toBe(true);
        } else {
          for (const m of String(t.expr).matchAll(/cdn-etl-[a-z]+/g)) expect(jobs.has(m[0]), `${panel.title}: ${m[0]}`).toBe(true);
        }
      }
    }
    expect(sqlTargets).toBe(4);
    const variable = (dash.templating.list as Obj[])[0]!;
    expect(variable.datasource.uid).toBe('questdb');
    for (const r of relationsIn(variable.query)) expect(relations.has(r)).toBe(true);
  });
});
