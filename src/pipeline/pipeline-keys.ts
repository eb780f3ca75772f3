/**
 * Names of the queues and bookkeeping keys. Everything lives under config.redisPrefix: BullMQ gets it as its
 * `prefix` (keys `<prefix>:<queue>:...`), bookkeeping uses `<prefix>:bk:...`, so one prefix is one installation.
 * Nothing here grows with history: a backfill's keys hold its parameters, counters and window (backfill-store.ts).
 */

/** The fetch stage: one job per chunk, one API call per attempt. */
export const FETCH_QUEUE = 'fetch';
/** The load stage: normalised rows waiting to be written to QuestDB. */
export const LOAD_QUEUE = 'load';

export interface PipelineKeys {
  /** Sorted set of backfill ids, scored by creation time (epoch ms). */
  readonly backfills: string;
  /** Set of backfill ids that may still have work: the ones workers keep topped up. */
  readonly active: string;
  /** Hash: parameters key (backfill-store.ts paramsKey) -> id of the unfinished backfill with those parameters. */
  readonly byParams: string;
  /** Sorted set: worker process id -> its last heartbeat (epoch ms), pruned after 10 minutes. */
  readonly workers: string;
  /** Hash: parameters, cursor, counters and per-state chunk counts of one backfill. */
  meta(backfillId: string): string;
  /** String: the backfill's domains, comma-separated. */
  domains(backfillId: string): string;
  /** List: the chunks (JSON) of a list source, in order. */
  list(backfillId: string): string;
  /** Hash: chunk id -> in-flight entry (`state|since|round|chunk JSON`), at most the window. */
  inflight(backfillId: string): string;
  /** Hash: chunk id -> JSON { chunk, code, message, at } of failed chunks. */
  failed(backfillId: string): string;
  /** Hash: chunk id -> JSON { chunk, into, code, at } of re-planned chunks. */
  replanned(backfillId: string): string;
  /** Hash: domain -> `ok`, `probe:<chunk id>` or the JSON of the API's refusal. */
  domainStates(backfillId: string): string;
  /** Sorted set: the backfill's recent calls and reservations (score: epoch ms), bounded (call-budget.lua). */
  calls(backfillId: string): string;
  /** String: the lock of whoever tops the window up. */
  fillLock(backfillId: string): string;
  /** Every key of one backfill. */
  ofBackfill(backfillId: string): string[];
  /** Hash of the layout before issue 13 (chunk id -> JSON), read once by the upgrade and dropped. */
  readonly remembered: string;
  /** String: the Redis layout version of this prefix (legacy-layout.ts). */
  readonly layout: string;
  /** String: the pacer's next free call time. */
  readonly pacer: string;
}

/** The keys of one installation. */
export function pipelineKeys(prefix: string): PipelineKeys {
  const bk = `${prefix}:bk`;
  const bf = (id: string): string => `${bk}:bf:${id}`;
  const keys = {
    backfills: `${bk}:backfills`,
    active: `${bk}:active`,
    byParams: `${bk}:byparams`,
    workers: `${bk}:workers`,
    meta: bf,
    domains: (id: string) => `${bf(id)}:domains`,
    list: (id: string) => `${bf(id)}:list`,
    inflight: (id: string) => `${bf(id)}:inflight`,
    failed: (id: string) => `${bf(id)}:failed`,
    replanned: (id: string) => `${bf(id)}:replanned`,
    domainStates: (id: string) => `${bf(id)}:dom`,
    fillLock: (id: string) => `${bf(id)}:fill`,
    calls: (id: string) => `${bf(id)}:calls`,
    remembered: `${bk}:remembered`,
    layout: `${bk}:layout`,
    pacer: `${bk}:pacer`,
  };
  return {
    ...keys,
    ofBackfill: (id) => [keys.meta(id), keys.domains(id), keys.list(id), keys.inflight(id), keys.failed(id), keys.replanned(id), keys.domainStates(id), keys.fillLock(id), keys.calls(id)],
  };
}
