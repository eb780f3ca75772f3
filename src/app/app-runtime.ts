/**
 * The one place that builds cdn-etl's pieces from a validated Config: the API client (credentials go into it
 * only), the QuestDB loader and reader, the pipeline's producer client and workers, and the sync service.
 * Commands ask for what they need here; no other module turns a Config into connections, so the pieces cannot
 * drift apart (the loader's buffers are always sized for the batcher's batches, for instance).
 */
import { CdnClient, type ApiCallEvent } from '../aliyun/cdn-client.js';
import { INSECURE_ENDPOINT_VARIABLE, type Config, type Credentials } from '../core/config.js';
import { jobFingerprint } from '../core/job-fingerprint.js';
import type { Logger } from '../core/logger.js';
import { PipelineClient } from '../pipeline/pipeline-client.js';
import { startPipelineWorkers, type PipelineWorkers } from '../pipeline/pipeline-workers.js';
import { closeRedis, openRedis } from '../redis/redis-connection.js';
import { questDbEndpoint, type QuestDbEndpoint } from '../store/questdb-access.js';
import { QuestDbPg } from '../store/questdb-pg.js';
import { TrafficLoader, type LoadBatchEvent } from '../store/traffic-loader.js';
import { ChunkLedger } from '../store/chunk-ledger.js';
import { startSyncService, type RunningSync, type SyncServiceOptions } from '../sync/sync-service.js';

export interface RuntimeOptions {
  readonly fetchConcurrency?: number;
  /** Pacer guard per second, ms (see redis-pacer.ts). */
  readonly guardMs?: number;
  readonly logger: Logger;
  /** Told about every loader flush attempt (metrics); must not throw. */
  readonly onLoadBatch?: (event: LoadBatchEvent) => void;
}

/** Workers plus the client and loader they own; close() stops all three in order, abandon() gives that up. */
export interface PipelineRuntime {
  readonly workers: PipelineWorkers;
  close(): Promise<void>;
  abandon(): void;
}

/**
 * Validates everything (InvalidArgumentError) before the first connection is opened. Warns, loudly, when the
 * endpoint is plain http off this machine (config.insecureEndpoint).
 */
export function createApiClient(config: Config, credentials: Credentials, hooks: { readonly logger: Logger; readonly onCall?: (event: ApiCallEvent) => void }): CdnClient {
  if (config.insecureEndpoint) {
    hooks.logger.warn(
      { endpoint: config.cdnEndpoint, optOut: INSECURE_ENDPOINT_VARIABLE },
      `INSECURE: CDN_ENDPOINT is plain http off this machine (${INSECURE_ENDPOINT_VARIABLE} is set): signed calls and the STS token travel in clear, and anyone on the path can change the archived data`,
    );
  }
  return new CdnClient({
    endpoint: config.cdnEndpoint,
    credentials,
    signatureVersion: config.signatureVersion,
    // One keep-alive connection per concurrent fetch, so a slow answer never delays the next paced call.
    connections: 32,
    ...(hooks.onCall ? { onCall: hooks.onCall } : {}),
  });
}

/** The endpoint and account jobs are planned for and workers run with (core/job-fingerprint.ts). */
export function fingerprintOf(config: Config): string {
  return jobFingerprint({ endpoint: config.cdnEndpoint, accessKeyId: config.credentials?.accessKeyId });
}

const endpoints = new WeakMap<Config, QuestDbEndpoint>();

/**
 * QuestDB's HTTP side as the Config gives it: origin, credentials and private CA, for every REST and ILP call. Pass
 * it to the store functions (execSql, runMigrations, waitUntilVisible, ...) and the health check; a bare origin
 * there means no credentials. One per Config, so its TLS agent is made once.
 */
export function questDbEndpointOf(config: Config): QuestDbEndpoint {
  let endpoint = endpoints.get(config);
  if (!endpoint) {
    endpoint = questDbEndpoint(config.questdbHttp, { auth: config.questdbAuth, tlsCa: config.questdbTlsCa });
    endpoints.set(config, endpoint);
  }
  return endpoint;
}

/** QuestDB's chunk ledger (what is archived); holds no connection until it writes. */
export function createChunkLedger(config: Config, logger?: Logger): ChunkLedger {
  return new ChunkLedger({ questdbHttp: questDbEndpointOf(config), logger });
}

/**
 * The producer side of the pipeline (record, queue the first window, read the bookkeeping), asking QuestDB's chunk
 * ledger what is archived already; throws ServiceUnavailableError('redis').
 */
export function openPipelineClient(config: Config, options: { readonly logger?: Logger } = {}): Promise<PipelineClient> {
  return PipelineClient.open({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    fingerprint: fingerprintOf(config),
    ledger: createChunkLedger(config, options.logger),
    logger: options.logger,
  });
}

/** A reader over PG wire for queries that carry user values (reports, gaps). */
export function openQuestDbReader(config: Config, options: { readonly max?: number } = {}): QuestDbPg {
  return new QuestDbPg({ url: config.questdbPg, ...(options.max !== undefined ? { max: options.max } : {}) });
}

/** A fail-fast producer connection of its own (a gauge that must not wait behind the workers). */
export function openRedisConnection(config: Config, name: string): ReturnType<typeof openRedis> {
  return openRedis(config.redisUrl, { role: 'producer', name });
}

export { closeRedis };

/**
 * The loader the load stage writes through, its batch size the batcher's (both DEFAULT_BATCH_ROWS of traffic-loader.ts).
 * One attempt per batch: the load job owns the retries (pipeline-jobs.ts LOAD_ATTEMPTS), so no loop nests in another.
 */
export function createLoader(config: Config, options: Pick<RuntimeOptions, 'logger' | 'onLoadBatch'>): Promise<TrafficLoader> {
  return TrafficLoader.create({ questdbHttp: questDbEndpointOf(config), retries: 'caller', logger: options.logger, onBatch: options.onLoadBatch });
}

export async function startPipelineRuntime(config: Config, api: CdnClient, options: RuntimeOptions): Promise<PipelineRuntime> {
  const loader = await createLoader(config, options);
  const ledger = createChunkLedger(config, options.logger);
  let workers: PipelineWorkers;
  try {
    workers = await startPipelineWorkers({
      ledger,
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
      fingerprint: fingerprintOf(config),
      qps: config.apiQps,
      api,
      sink: loader,
      fetchConcurrency: options.fetchConcurrency,
      guardMs: options.guardMs,
      logger: options.logger,
    });
  } catch (err) {
    await loader.close();
    throw err;
  }
  return {
    workers,
    async close() {
      await workers.close();
      await loader.close();
      await ledger.close();
      await api.close();
    },
    abandon() {
      workers.abandon();
      void api.close().catch(() => undefined);
    },
  };
}

export type SyncRuntimeOptions = Omit<SyncServiceOptions, 'redisUrl' | 'prefix' | 'fingerprint' | 'qps' | 'api' | 'sink' | 'logger'> & Pick<RuntimeOptions, 'logger' | 'onLoadBatch'>;

/** The sync service with its loader; close() stops the service, then the loader and the API client; abandon() gives that up. */
export interface SyncRuntime {
  readonly service: RunningSync;
  close(): Promise<void>;
  abandon(): void;
}

export async function startSyncRuntime(config: Config, api: CdnClient, options: SyncRuntimeOptions): Promise<SyncRuntime> {
  const { onLoadBatch, ...serviceOptions } = options;
  const loader = await createLoader(config, { logger: options.logger, ...(onLoadBatch ? { onLoadBatch } : {}) });
  const ledger = createChunkLedger(config, options.logger);
  let service: RunningSync;
  try {
    service = await startSyncService({ ...serviceOptions, redisUrl: config.redisUrl, prefix: config.redisPrefix, fingerprint: fingerprintOf(config), qps: config.apiQps, api, sink: loader, ledger });
  } catch (err) {
    await loader.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    service,
    close() {
      closing ??= (async () => {
        await service.close();
        await loader.close();
        await ledger.close();
        await api.close();
      })();
      return closing;
    },
    abandon() {
      service.abandon();
      void api.close().catch(() => undefined);
    },
  };
}
