/**
 * Backfill bookkeeping in Redis, bounded by the work in flight (issue 13, docs/PIPELINE.md). A backfill (or sync
 * pass, or repair) is a cursor over its chunks, never a list of them:
 * - meta: its parameters, the cursor, per-state counts and counters (a fixed number of fields);
 * - the source: for a backfill only its domain list (the chunks are computed from the parameters, chunk-source.ts);
 *   for a sync pass or a repair, the explicit list its planner made (bounded by one pass);
 * - the window: the chunks in flight (queued, fetching, loading), at most a few hundred;
 * - what ended badly: failed and re-planned chunks (with why), and refused domains (once each, not per chunk).
 * Chunks that ended well leave no trace here: QuestDB's ledger (store/chunk-ledger.ts) knows them.
 *
 * State changes go through Lua scripts (src/redis/lua/) so the counts stay exact whichever worker reports and two
 * fillers never claim the same positions.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Tier } from '../aliyun/tiers.js';
import { CHUNK_STATES, type ChunkState } from '../core/chunk-outcome.js';
import type { Chunk, UnavailableRange } from '../core/model.js';
import type { TemplateGap } from '../plan/plan-backfill.js';
import { MAX_DOMAIN_LENGTH } from '../plan/parse-domains.js';
import { runScript } from '../redis/redis-scripts.js';
import { pipelineKeys, type PipelineKeys } from './pipeline-keys.js';
import { CALL_RECORD_MAX, CALL_RECORD_MS, callRate, maxQpsOf, RATE_WINDOW_MS } from './call-budget.js';

/** Who the work is for, which decides its place on the shared quota (issue 17): lower goes first. */
export type WorkClass = 'sync' | 'backfill' | 'audit';

/** Where a backfill's chunks come from. */
export type SourceSpec =
  /** Every domain times the plan of [from, to) made at plannedAt (plan/plan-backfill.ts planTemplates). */
  | { readonly kind: 'grid'; readonly domains: readonly string[]; readonly plannedAt: number; readonly size: number; readonly tiers: readonly Tier[]; readonly marginMs: number }
  /** An explicit list, in order (a sync pass, a repair). */
  | { readonly kind: 'list'; readonly chunks: readonly Chunk[] };

export interface BackfillParams {
  readonly domains: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly refetch: boolean;
  /** Parts of the range no tier holds, the same for every domain (grid) or per domain (list). */
  readonly unavailable: readonly (UnavailableRange | TemplateGap)[];
  readonly workClass?: WorkClass | undefined;
  /** core/job-fingerprint.ts: the endpoint and account the chunks are planned for (written into every job). */
  readonly fingerprint?: string | undefined;
  /** paramsKey() of a backfill: the same command run again finds it (and resumes it) while it is unfinished. */
  readonly paramsKey?: string | undefined;
  /** `--max-qps`: the most calls it may make in any one second (call-budget.ts); undefined: no cap. */
  readonly maxQps?: number | undefined;
}

/** The identity of a backfill's request: same domains (any order), range and --refetch -> same key. */
export function paramsKey(domains: readonly string[], from: number, to: number, refetch: boolean): string {
  return createHash('sha256').update(JSON.stringify({ domains: [...domains].sort(), from, to, refetch })).digest('hex').slice(0, 24);
}

/** A worker whose last heartbeat is older than this is not advancing anything. */
export const WORKER_SILENT_MS = 30_000;

export type BackfillState = 'running' | 'done' | 'failed';

export interface Halt {
  /** The API's Code that refused the account (`SignatureDoesNotMatch`). */
  readonly code: string;
  readonly message: string;
}

export interface BackfillSummary {
  readonly id: string;
  readonly createdAt: number;
  /** When the last chunk ended, if it has. */
  readonly finishedAt: number | undefined;
  /** Every domain for summary(), or its first `domains` when asked for fewer; the first few for list() (see domainCount). */
  readonly domains: readonly string[];
  readonly domainCount: number;
  readonly from: number;
  readonly to: number;
  readonly refetch: boolean;
  readonly unavailable: readonly (UnavailableRange | TemplateGap)[];
  readonly workClass: WorkClass;
  readonly kind: SourceSpec['kind'];
  readonly total: number;
  readonly counts: Readonly<Record<ChunkState, number>>;
  /** Chunks not yet taken into the window (part of counts.pending). */
  readonly waiting: number;
  /** Chunks ended loaded or empty. */
  readonly done: number;
  readonly ended: number;
  readonly calls: number;
  readonly throttles: number;
  readonly retries: number;
  readonly rows: number;
  /** Chunks served from the ledger without an API call. */
  readonly reused: number;
  /** Set when the API refused the account: the backfill made no more calls. */
  readonly halt: Halt | undefined;
  readonly state: BackfillState;
  /** `--max-qps`, if it has a cap. */
  readonly maxQps: number | undefined;
  /** Calls per second over the last RATE_WINDOW_MS, from its call record (call-budget.ts). */
  readonly callRate: number;
}

export interface ChunkFailure {
  readonly chunk: Chunk;
  /** The API's Code (`Throttling`), a response reason or a cdn-etl code. */
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

/** A domain the API refused (InvalidDomain.NotFound, ...): its chunks ended `refused` without calls. */
export interface RefusedDomain {
  readonly domain: string;
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

export interface ReplannedChunk {
  readonly chunk: Chunk;
  readonly into: readonly Chunk[];
  readonly code: string;
  readonly at: number;
}

/** A chunk in the window. */
export interface InFlight {
  readonly chunk: Chunk;
  readonly state: Extract<ChunkState, 'pending' | 'fetching' | 'loading'>;
  /** When it entered that state (epoch ms). */
  readonly since: number;
  /** The --retry-failed round its job belongs to (part of the job id). */
  readonly round: number;
}

export type CounterName = 'calls' | 'throttles' | 'retries';

export type GateVerdict = 'go' | 'probe' | 'wait' | 'refused' | 'halted';

/** A readable, unique backfill id: `bf-20261129T1930Z-k3x9qa`. Never all digits, never a ':'. */
export function newBackfillId(now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 16).replace(/[-:]/g, '');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const random = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
  return `bf-${stamp}Z-${random}`;
}

export const BACKFILL_ID_PATTERN = /^bf-\d{8}T\d{4}Z-[a-z0-9]{6}$/;

/** Domains shown in list(): enough for a table cell. */
const DOMAIN_HEAD = 3;

/** Bookkeeping for backfills, over one connection. */
export class BackfillStore {
  readonly keys: PipelineKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = pipelineKeys(prefix);
  }

  /** Records a new backfill with its source; its chunks enter the window through claim(). */
  async create(id: string, params: BackfillParams, source: SourceSpec, now: number): Promise<void> {
    const size = source.kind === 'grid' ? source.size : source.chunks.length;
    const meta: Record<string, string> = {
      id,
      created_at: String(now),
      from: String(params.from),
      to: String(params.to),
      domain_count: String(params.domains.length),
      domain_head: params.domains.slice(0, DOMAIN_HEAD).join(','),
      refetch: params.refetch ? '1' : '0',
      unavailable: JSON.stringify(params.unavailable),
      class: params.workClass ?? 'backfill',
      kind: source.kind,
      cursor: '0',
      round: '0',
      calls: '0',
      throttles: '0',
      retries: '0',
      reused: '0',
      rows: '0',
    };
    if (params.fingerprint) meta.fingerprint = params.fingerprint;
    if (params.paramsKey) meta.params_key = params.paramsKey;
    if (params.maxQps !== undefined && params.maxQps > 0) meta.max_qps = String(params.maxQps);
    if (source.kind === 'grid') Object.assign(meta, { planned_at: String(source.plannedAt), tiers: JSON.stringify(source.tiers), margin_ms: String(source.marginMs) });
    for (const s of CHUNK_STATES) meta[`n_${s}`] = '0';
    const pipeline = this.redis.multi();
    pipeline.set(this.keys.domains(id), params.domains.join(','));
    if (source.kind === 'list') {
      for (let i = 0; i < source.chunks.length; i += 1_000) pipeline.rpush(this.keys.list(id), ...source.chunks.slice(i, i + 1_000).map((c) => JSON.stringify(c)));
    }
    pipeline.hset(this.keys.meta(id), { ...meta, total: String(size), size: String(size) });
    if (size === 0) pipeline.hset(this.keys.meta(id), 'finished_at', String(now));
    pipeline.zadd(this.keys.backfills, now, id);
    if (size !== 0) pipeline.sadd(this.keys.active, id);
    if (params.paramsKey && size !== 0) pipeline.hset(this.keys.byParams, params.paramsKey, id);
    await pipeline.exec();
  }

  /** The unfinished (running, not halted) backfill recorded with these parameters, if any. */
  async unfinishedWithParams(key: string): Promise<string | undefined> {
    const id = await this.redis.hget(this.keys.byParams, key);
    if (!id) return undefined;
    const s = await this.summary(id);
    if (s?.state === 'running') return id;
    await this.redis.hdel(this.keys.byParams, key);
    return undefined;
  }

  /** A worker process says it is alive (the window keeper, every few seconds). */
  async beat(workerId: string, now: number): Promise<void> {
    await this.redis.multi().zadd(this.keys.workers, now, workerId).zremrangebyscore(this.keys.workers, '-inf', now - 10 * 60_000).exec();
  }

  /** A worker process stops: its heartbeat goes. */
  async silence(workerId: string): Promise<void> {
    await this.redis.zrem(this.keys.workers, workerId);
  }

  /** The newest heartbeat of any worker process (epoch ms), or 0 when none beat in the last 10 minutes. */
  async lastBeat(): Promise<number> {
    const newest = await this.redis.zrange(this.keys.workers, -1, -1, 'WITHSCORES');
    return newest.length === 2 ? Number(newest[1]) : 0;
  }

  /** The raw meta fields the window needs, without the domain list. */
  async meta(id: string): Promise<Record<string, string> | undefined> {
    const m = await this.redis.hgetall(this.keys.meta(id));
    return m.id ? m : undefined;
  }

  /**
   * The backfill's domains, or only the first `limit`: a range read of the list's head, so a progress poll or
   * `status` of a 10,000-domain backfill reads a few KB, not 250 KB (a reply that large also keeps the Redis
   * parser's buffer pool, and with it a short-lived process, alive for a second after it quits).
   */
  async domains(id: string, limit?: number): Promise<string[]> {
    if (limit === undefined) {
      const raw = await this.redis.get(this.keys.domains(id));
      return raw ? raw.split(',').filter(Boolean) : [];
    }
    if (limit <= 0) return [];
    const bytes = limit * (MAX_DOMAIN_LENGTH + 1);
    const raw = await this.redis.getrange(this.keys.domains(id), 0, bytes - 1);
    const names = raw.split(',');
    // A head cut mid-name ends with a fragment: drop it.
    if (raw.length === bytes) names.pop();
    return names.filter(Boolean).slice(0, limit);
  }

  /** Chunks [from, from + n) of a list source. */
  async listSlice(id: string, from: number, n: number): Promise<Chunk[]> {
    const raw = await this.redis.lrange(this.keys.list(id), from, from + n - 1);
    return raw.map((r) => JSON.parse(r) as Chunk);
  }

  /**
   * Moves the cursor from `cursor` to `next`, putting `queued` in flight and counting `reused` and `refused`
   * chunks as ended (window-claim.lua). Returns how many were put in flight, -1 when another filler moved the
   * cursor first (read again), -2 when the backfill is halted.
   */
  async claim(id: string, claim: { cursor: number; next: number; queued: readonly Chunk[]; round: number; reusedLoaded: number; reusedEmpty: number; refused: number; now: number }): Promise<number> {
    const args = [String(claim.cursor), String(claim.next), String(claim.now), String(claim.reusedLoaded), String(claim.reusedEmpty), String(claim.refused)];
    for (const c of claim.queued) args.push(c.id, inFlightEntry('pending', claim.now, claim.round, c));
    return Number(await runScript(this.redis, 'window-claim', [this.keys.meta(id), this.keys.inflight(id)], args));
  }

  /**
   * Moves an in-flight chunk to `state` (chunk-transition.lua). Ending states take it out of the window; a failed
   * or re-planned chunk is kept with `detail`. Returns the previous state, or undefined when the chunk is not in
   * flight (it ended already: a duplicate job).
   */
  async transition(
    id: string,
    chunkId: string,
    state: ChunkState,
    options: { now: number; rows?: number; failure?: { code: string; message: string; chunk: Chunk }; replanned?: { code: string; chunk: Chunk; into: readonly Chunk[]; round: number } },
  ): Promise<ChunkState | undefined> {
    let detail = '';
    const extra: string[] = [];
    if (options.failure) detail = JSON.stringify({ chunk: options.failure.chunk, code: options.failure.code, message: options.failure.message, at: options.now });
    if (options.replanned) {
      const r = options.replanned;
      detail = JSON.stringify({ chunk: r.chunk, into: r.into, code: r.code, at: options.now });
      for (const c of r.into) extra.push(c.id, inFlightEntry('pending', options.now, r.round, c));
    }
    const old = await runScript(
      this.redis,
      'chunk-transition',
      [this.keys.meta(id), this.keys.inflight(id), this.keys.failed(id), this.keys.replanned(id)],
      [chunkId, state, String(options.rows ?? 0), String(options.now), detail, ...extra],
    );
    return (old ?? undefined) as ChunkState | undefined;
  }

  /** Asks or tells the call gate (call-gate.lua): who may spend a call, what the API said of account and domain. */
  async gate(id: string, mode: 'enter', domain: string, chunkId: string): Promise<GateVerdict>;
  async gate(id: string, mode: 'confirm' | 'release', domain: string, chunkId: string): Promise<void>;
  async gate(id: string, mode: 'refuse', domain: string, chunkId: string, refusal: { code: string; message: string; at: number }): Promise<void>;
  async gate(id: string, mode: 'halt', domain: string, chunkId: string, refusal: { code: string; message: string }): Promise<void>;
  async gate(id: string, mode: string, domain: string, chunkId: string, refusal?: { code: string; message: string; at?: number }): Promise<GateVerdict | void> {
    const args = [mode, domain, chunkId];
    if (mode === 'refuse') args.push(JSON.stringify(refusal));
    if (mode === 'halt') args.push(refusal!.code, refusal!.message);
    const verdict = await runScript(this.redis, 'call-gate', [this.keys.meta(id), this.keys.domainStates(id)], args);
    return mode === 'enter' ? (verdict as GateVerdict) : undefined;
  }

  /**
   * Asks the call budget (call-budget.lua) whether a chunk of this backfill may call now: 0 when it may (the call
   * is recorded), else how long to wait, ms (its job holds a reservation for then). `now` only for tests.
   */
  async spend(id: string, jobId: string, callId: string, now?: number): Promise<number> {
    const args = [jobId, callId, String(CALL_RECORD_MS), String(CALL_RECORD_MAX), now === undefined ? '' : String(now)];
    return Number(await runScript(this.redis, 'call-budget', [this.keys.meta(id), this.keys.calls(id)], args));
  }

  /** Sets or lifts (undefined) the cap of a backfill: the same command run again with another --max-qps. */
  async setMaxQps(id: string, maxQps: number | undefined): Promise<void> {
    if (maxQps === undefined) await this.redis.hdel(this.keys.meta(id), 'max_qps');
    else await this.redis.hset(this.keys.meta(id), 'max_qps', String(maxQps));
  }

  /** The window entry of a chunk, if it is in flight. */
  async inFlight(id: string, chunkId: string): Promise<InFlight | undefined> {
    const raw = await this.redis.hget(this.keys.inflight(id), chunkId);
    return raw ? parseInFlight(raw) : undefined;
  }

  /** Every chunk in the window (at most the window size). */
  async window(id: string): Promise<InFlight[]> {
    return Object.values(await this.redis.hgetall(this.keys.inflight(id))).map(parseInFlight);
  }

  /** Puts every failed chunk back in flight for round `round` and lifts a halt (chunk-reopen.lua). Returns them. */
  async reopen(id: string, round: number, now: number): Promise<Chunk[]> {
    const failed = (await this.failures(id)).map((f) => f.chunk);
    const args = [String(round)];
    for (const c of failed) args.push(c.id, inFlightEntry('pending', now, round, c));
    await runScript(this.redis, 'chunk-reopen', [this.keys.meta(id), this.keys.inflight(id), this.keys.failed(id)], args);
    await this.redis.sadd(this.keys.active, id);
    return failed;
  }

  async increment(id: string, counter: CounterName, by = 1): Promise<void> {
    await this.redis.hincrby(this.keys.meta(id), counter, by);
  }

  /** The backfill's bookkeeping; `domains` limits the domain list read (default every domain). */
  async summary(id: string, options: { readonly now?: number; readonly domains?: number } = {}): Promise<BackfillSummary | undefined> {
    const now = options.now ?? Date.now();
    const replies = (await this.redis.pipeline().hgetall(this.keys.meta(id)).zcount(this.keys.calls(id), `(${now - RATE_WINDOW_MS}`, String(now)).exec()) ?? [];
    // A pipeline answers errors (LOADING after a restart) instead of throwing them: a backfill is never "unknown" for that.
    for (const [err] of replies) if (err) throw err;
    const m = (replies[0]?.[1] ?? {}) as Record<string, string>;
    const calls = replies[1]?.[1] as number | undefined;
    if (!m.id) return undefined;
    // A backfill of the old layout not yet upgraded (legacy-layout.ts) keeps its domains in the meta.
    const rate = callRate(Number(calls ?? 0));
    if (m.domains === undefined) return { ...toSummary(m, await this.domains(id, options.domains)), callRate: rate };
    const all = m.domains.split(',').filter(Boolean);
    return { ...toSummary({ domain_count: String(all.length), ...m }, all.slice(0, options.domains)), callRate: rate };
  }

  /**
   * Backfills, newest first (domains: the first few, see domainCount), each with its calls per second over the
   * last RATE_WINDOW_MS: one pipeline of reads, whatever the number of backfills.
   */
  async list(limit = 50, now = Date.now()): Promise<BackfillSummary[]> {
    const ids = await this.redis.zrevrange(this.keys.backfills, 0, limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.meta(id)).zcount(this.keys.calls(id), `(${now - RATE_WINDOW_MS}`, String(now));
    const results = (await pipeline.exec()) ?? [];
    const out: BackfillSummary[] = [];
    for (let i = 0; i + 1 < results.length; i += 2) {
      const [err, raw] = results[i]!;
      const m = raw as Record<string, string> | undefined;
      const calls = Number(results[i + 1]![1] ?? 0);
      if (!err && m?.id) out.push({ ...toSummary(m, (m.domain_head ?? '').split(',').filter(Boolean)), callRate: callRate(calls) });
    }
    return out;
  }

  /** Backfills that may still have work: what the workers keep topped up. */
  async active(): Promise<string[]> {
    return this.redis.smembers(this.keys.active);
  }

  /**
   * How many other backfills or sync passes have chunks in flight: what a backfill that makes no progress waits
   * behind (the queue serves them by priority, then in order).
   */
  async othersInFlight(id: string): Promise<number> {
    const others = (await this.active()).filter((other) => other !== id);
    if (others.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const other of others) pipeline.hmget(this.keys.meta(other), 'n_pending', 'n_fetching', 'halt_code');
    const results = (await pipeline.exec()) ?? [];
    return results.filter(([err, v]) => {
      const [pending, fetching, halt] = (v ?? []) as (string | null)[];
      return !err && !halt && Number(pending ?? 0) + Number(fetching ?? 0) > 0;
    }).length;
  }

  async deactivate(id: string): Promise<void> {
    const key = await this.redis.hget(this.keys.meta(id), 'params_key');
    const pipeline = this.redis.multi().srem(this.keys.active, id);
    if (key) pipeline.hdel(this.keys.byParams, key);
    await pipeline.exec();
  }

  /** The failed chunks with their codes, ordered by domain then start. */
  async failures(id: string): Promise<ChunkFailure[]> {
    const all = await this.redis.hvals(this.keys.failed(id));
    return all.map((r) => JSON.parse(r) as ChunkFailure).sort((a, b) => cmp(a.chunk.domain, b.chunk.domain) || a.chunk.start - b.chunk.start);
  }

  /** The domains the API refused, each once with its code. */
  async refusedDomains(id: string): Promise<RefusedDomain[]> {
    const all = await this.redis.hgetall(this.keys.domainStates(id));
    const out: RefusedDomain[] = [];
    for (const [domain, v] of Object.entries(all)) {
      if (v.startsWith('{')) out.push({ domain, ...(JSON.parse(v) as Omit<RefusedDomain, 'domain'>) });
    }
    return out.sort((a, b) => cmp(a.domain, b.domain));
  }

  /** Of these domains, the ones the API refused in this backfill. */
  async refusedAmong(id: string, domains: readonly string[]): Promise<Set<string>> {
    if (domains.length === 0) return new Set();
    const states = await this.redis.hmget(this.keys.domainStates(id), ...domains);
    return new Set(domains.filter((_d, i) => states[i]?.startsWith('{') === true));
  }

  async replanned(id: string): Promise<ReplannedChunk[]> {
    return (await this.redis.hvals(this.keys.replanned(id))).map((r) => JSON.parse(r) as ReplannedChunk);
  }

  /**
   * Of `planned` (the chunks a list source was given), the ones that ended loaded or empty, plus the replacements
   * of re-planned ones that did: for a sync pass, which moves watermarks over exactly these.
   */
  async endedWell(id: string, planned: readonly Chunk[]): Promise<Chunk[]> {
    const [m, inflight, failed, replanned, refused] = await Promise.all([
      this.redis.hmget(this.keys.meta(id), 'cursor'),
      this.redis.hkeys(this.keys.inflight(id)),
      this.redis.hkeys(this.keys.failed(id)),
      this.replanned(id),
      this.refusedDomains(id),
    ]);
    const cursor = Number(m[0] ?? 0);
    const notWell = new Set([...inflight, ...failed, ...replanned.map((r) => r.chunk.id)]);
    const refusedDomains = new Set(refused.map((r) => r.domain));
    const candidates = [...planned.slice(0, cursor), ...replanned.flatMap((r) => r.into)];
    return candidates.filter((c) => !notWell.has(c.id) && !refusedDomains.has(c.domain));
  }

  /** Deletes every key of these backfills (old sync passes). */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.del(...this.keys.ofBackfill(id));
      pipeline.zrem(this.keys.backfills, id);
      pipeline.srem(this.keys.active, id);
    }
    await pipeline.exec();
  }
}

/** `state|since|round|chunk JSON`: the state first, so the Lua scripts read and change it without a JSON parser. */
export function inFlightEntry(state: InFlight['state'], since: number, round: number, chunk: Chunk): string {
  return `${state}|${since}|${round}|${JSON.stringify(chunk)}`;
}

function parseInFlight(raw: string): InFlight {
  const [state, since, round] = raw.split('|', 3) as [InFlight['state'], string, string];
  const json = raw.slice(state.length + since.length + round.length + 3);
  return { state, since: Number(since), round: Number(round), chunk: JSON.parse(json) as Chunk };
}

function toSummary(m: Record<string, string>, domains: string[]): BackfillSummary {
  const n = (k: string): number => Number(m[k] ?? 0);
  const counts = Object.fromEntries(CHUNK_STATES.map((s) => [s, n(`n_${s}`)])) as Record<ChunkState, number>;
  const waiting = Math.max(0, n('size') - n('cursor'));
  counts.pending += waiting;
  const total = n('total');
  const ended = counts.loaded + counts.empty + counts.failed + counts.replanned + counts.refused;
  const finishedAt = m.finished_at ? Number(m.finished_at) : undefined;
  const halt = m.halt_code ? { code: m.halt_code, message: m.halt_message ?? '' } : undefined;
  const over = ended >= total && finishedAt !== undefined;
  const state: BackfillState = halt ? 'failed' : over ? (counts.failed + counts.refused > 0 ? 'failed' : 'done') : 'running';
  return {
    id: m.id!,
    createdAt: n('created_at'),
    finishedAt,
    domains,
    domainCount: m.domain_count !== undefined ? n('domain_count') : domains.length,
    from: n('from'),
    to: n('to'),
    refetch: m.refetch === '1',
    unavailable: JSON.parse(m.unavailable ?? '[]') as (UnavailableRange | TemplateGap)[],
    workClass: (m.class ?? 'backfill') as WorkClass,
    kind: (m.kind ?? 'list') as SourceSpec['kind'],
    total,
    counts,
    waiting,
    done: counts.loaded + counts.empty,
    ended,
    calls: n('calls'),
    throttles: n('throttles'),
    retries: n('retries'),
    reused: n('reused'),
    rows: n('rows'),
    halt,
    state,
    maxQps: maxQpsOf(m),
    callRate: 0,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
