/**
 * `cdn-etl simulate`: serves the local API simulator until SIGINT/SIGTERM. Needs no credentials: it
 * accepts ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET when they are set, the public demo pair otherwise.
 */
import { loadConfig } from '../core/config.js';
import { InvalidArgumentError } from '../core/errors.js';
import { DEMO_CREDENTIALS, startSimulator, type CompetingOptions, type FaultOptions, type SimDomain, type SimDomainStatus } from '../sim/simulator.js';
import { commandBody, intFlag, stringFlag, type ParsedArgs } from './args.js';
import { EXIT_OK } from './command.js';

const STATUSES: readonly SimDomainStatus[] = ['online', 'offline', 'configuring', 'configure_failed', 'checking', 'check_failed', 'stopped'];

const RATE_FLAGS = {
  'throttle-rate': 'throttleRate',
  'server-error-rate': 'serverErrorRate',
  'reset-rate': 'resetRate',
  'stall-rate': 'stallRate',
  'truncate-rate': 'truncateRate',
  'service-busy-rate': 'serviceBusyRate',
} as const;


function parseDomains(raw: string | undefined): SimDomain[] | undefined {
  if (raw === undefined) return undefined;
  const domains = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const [name, status = 'online'] = entry.split(':');
      if (!name || !STATUSES.includes(status as SimDomainStatus)) {
        throw new InvalidArgumentError(`expected name or name:status (${STATUSES.join(', ')}), got ${JSON.stringify(entry)}`, '--domains');
      }
      return { name, status: status as SimDomainStatus };
    });
  if (domains.length === 0) throw new InvalidArgumentError('names no domain', '--domains');
  return domains;
}

function rateFlag(args: ParsedArgs, name: string): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`must be a fraction from 0 to 1, got ${JSON.stringify(raw)}`, `--${name}`);
  return n;
}

function competingFlags(args: ParsedArgs, qps: number): CompetingOptions | undefined {
  const callsPerSecond = intFlag(args, 'competing-qps', 0, 0, qps);
  const window = (['after', 'until'] as const).filter((w) => stringFlag(args, `competing-${w}-calls`) !== undefined);
  if (callsPerSecond === 0) {
    if (window.length > 0) throw new InvalidArgumentError('needs --competing-qps', `--competing-${window[0]!}-calls`);
    return undefined;
  }
  return {
    callsPerSecond,
    ...(window.includes('after') ? { afterCalls: intFlag(args, 'competing-after-calls', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...(window.includes('until') ? { untilCalls: intFlag(args, 'competing-until-calls', 0, 0, Number.MAX_SAFE_INTEGER) } : {}),
  };
}

export const simulateCommand = commandBody({
  name: 'simulate',
  async run(args, ctx) {
    const config = loadConfig(ctx.env);
    const faults: Record<string, number> = {};
    for (const [flag, key] of Object.entries(RATE_FLAGS)) {
      const rate = rateFlag(args, flag);
      if (rate !== undefined) faults[key] = rate;
    }
    if (stringFlag(args, 'stall-ms') !== undefined) faults.stallMs = intFlag(args, 'stall-ms', 0, 0, 3_600_000);
    const throttleStatus = intFlag(args, 'throttle-status', 400, 400, 503);
    if (throttleStatus !== 400 && throttleStatus !== 503) throw new InvalidArgumentError('must be 400 or 503', '--throttle-status');
    const retryAfterMs = stringFlag(args, 'retry-after-ms') === undefined ? undefined : intFlag(args, 'retry-after-ms', 0, 0, 3_600_000);
    const domains = parseDomains(stringFlag(args, 'domains'));
    const credentials = config.credentials ?? DEMO_CREDENTIALS;
    const qps = intFlag(args, 'qps', 10, 1, 100_000);
    const competing = competingFlags(args, qps);

    const sim = await startSimulator({
      port: intFlag(args, 'port', 0, 0, 65535),
      host: stringFlag(args, 'host') ?? '127.0.0.1',
      qps,
      ...(competing ? { competing } : {}),
      ...(domains ? { domains } : {}),
      credentials,
      faults: faults as FaultOptions,
      seed: intFlag(args, 'seed', 1, 0, 2 ** 32 - 1),
      latencyMs: intFlag(args, 'latency-ms', 0, 0, 600_000),
      throttle: { status: throttleStatus, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    });
    // The secret is printed only when it is the public demo one.
    const keyLines = config.credentials
      ? [`credentials: the pair in ALIBABA_CLOUD_ACCESS_KEY_ID (${credentials.accessKeyId}) / ALIBABA_CLOUD_ACCESS_KEY_SECRET`]
      : [
          `export ALIBABA_CLOUD_ACCESS_KEY_ID=${DEMO_CREDENTIALS.accessKeyId}`,
          `export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${DEMO_CREDENTIALS.accessKeySecret}`,
        ];
    ctx.stdout.write(
      [`cdn-etl simulator listening on ${sim.url}`, `export CDN_ENDPOINT=${sim.url}`, ...keyLines, 'Press Ctrl-C to stop.', ''].join('\n'),
    );
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const s = sim.stats();
    await sim.close();
    ctx.stdout.write(`simulator stopped after ${s.calls} calls (${s.throttled} throttled)\n`);
    return EXIT_OK;
  },
});
