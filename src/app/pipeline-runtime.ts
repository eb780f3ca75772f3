/**
 * Wiring for the processes that call the API (`backfill` in-process, `worker`): builds the CdnClient and the
 * TrafficLoader from a validated Config and starts the workers. Credentials go into the client only.
 */
import { CdnClient, type ApiCallEvent } from '../aliyun/cdn-client.js';
import type { Config, Credentials } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { TrafficLoader, type LoadBatchEvent } from '../store/traffic-loader.js';
import { DEFAULT_BATCH_ROWS } from '../pipeline/load-batcher.js';
import { startPipelineWorkers, type PipelineWorkers } from '../pipeline/pipeline-workers.js';

export interface RuntimeOptions {
  readonly fetchConcurrency?: number;
  /** Pacer guard per second, ms (see redis-pacer.ts). */
  readonly guardMs?: number;
  readonly logger: Logger;
  /** Told about every loader flush attempt (metrics); must not throw. */
  readonly onLoadBatch?: (event: LoadBatchEvent) => void;
}

/** Workers plus the client and loader they own; close() stops all three in order. */
export interface PipelineRuntime {
  readonly workers: PipelineWorkers;
  close(): Promise<void>;
}

/** Validates everything (InvalidArgumentError) before the first connection is opened. */
export function createApiClient(config: Config, credentials: Credentials, hooks: { readonly onCall?: (event: ApiCallEvent) => void } = {}): CdnClient {
  return new CdnClient({
    endpoint: config.cdnEndpoint,
    credentials,
    signatureVersion: config.signatureVersion,
    // One keep-alive connection per concurrent fetch, so a slow answer never delays the next paced call.
    connections: 32,
    ...(hooks.onCall ? { onCall: hooks.onCall } : {}),
  });
}

export async function startPipelineRuntime(config: Config, api: CdnClient, options: RuntimeOptions): Promise<PipelineRuntime> {
  // The batcher flushes at most DEFAULT_BATCH_ROWS rows at a time: size the loader's buffers for that, not more.
  const loader = await TrafficLoader.create({ questdbHttp: config.questdbHttp, batchRows: DEFAULT_BATCH_ROWS, logger: options.logger, onBatch: options.onLoadBatch });
  let workers: PipelineWorkers;
  try {
    workers = await startPipelineWorkers({
      redisUrl: config.redisUrl,
      prefix: config.redisPrefix,
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
      await api.close();
    },
  };
}
