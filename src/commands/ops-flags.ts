/**
 * The ops HTTP server's command-line flags (`--http-port`, `--http-host`, `--queues-actions`), shared by `worker`
 * and `sync`. Flag parsing belongs to the CLI; ops/ops-server.ts only takes the resulting options.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, startOpsServer, type OpsServerOptions, type RunningOpsServer } from '../ops/ops-server.js';

/** What the CLI's `--http-port`, `--http-host`, `--queues-actions` mean; `port` undefined = no server. */
export interface OpsFlags {
  readonly port: number | undefined;
  /** Whether `--http-port` was given: only then is a taken port an error (see startOpsServerFromFlags). */
  readonly portExplicit: boolean;
  readonly host: string;
  readonly queueActions: boolean;
}

/** Validates the flags (InvalidArgumentError naming the flag). Pure. */
export function parseOpsFlags(values: Readonly<Record<string, string | boolean | undefined>>): OpsFlags {
  const rawPort = values['http-port'];
  let port: number | undefined = DEFAULT_HTTP_PORT;
  if (typeof rawPort === 'string') {
    const n = Number(rawPort.trim());
    if (rawPort.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new InvalidArgumentError(`must be a port number from 0 (no HTTP server) to 65535, got ${JSON.stringify(rawPort)}`, '--http-port');
    }
    port = n === 0 ? undefined : n;
  }
  const rawHost = values['http-host'];
  let host = DEFAULT_HTTP_HOST;
  if (typeof rawHost === 'string') {
    host = rawHost.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host)) {
      throw new InvalidArgumentError(`must be an IP address or a host name, got ${JSON.stringify(rawHost)}`, '--http-host');
    }
  }
  return { port, portExplicit: typeof rawPort === 'string', host, queueActions: values['queues-actions'] === true };
}

/**
 * Starts the ops server as the flags say: none for `--http-port 0`; a port given with `--http-port` that is taken
 * is refused (InvalidArgumentError, exit 2); the DEFAULT port being taken (a second worker on the same machine)
 * only logs a warning and runs without HTTP server, so several workers can still share a machine.
 *
 * @example
 * const ops = parseOpsFlags(args.values);
 * const server = await startOpsServerFromFlags(ops, { config, metrics, logger });
 */
export async function startOpsServerFromFlags(flags: OpsFlags, options: Omit<OpsServerOptions, 'port' | 'host' | 'queueActions'>): Promise<RunningOpsServer | undefined> {
  if (flags.port === undefined) return undefined;
  try {
    return await startOpsServer({ ...options, port: flags.port, host: flags.host, queueActions: flags.queueActions });
  } catch (err) {
    if (flags.portExplicit || !(err instanceof InvalidArgumentError) || err.source !== '--http-port') throw err;
    options.logger?.warn({ port: flags.port, host: flags.host }, `${err.message}: running without /metrics, /healthz and /queues (give --http-port N to choose a port)`);
    return undefined;
  }
}
