/** What the benchmarks that run the compiled CLI share: the local services, the repository root, their flags. */

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const QUESTDB_HTTP = 'http://127.0.0.1:9000';
/** The repository root, whether run from bench/ or compiled into dist/bench/bench/. */
export const ROOT = new URL('../..', import.meta.url).pathname.replace(/dist\/$/, '');

/** The number after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
