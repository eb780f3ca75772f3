/**
 * cdn-etl's Redis Lua scripts, the way BullMQ keeps its own: each in src/redis/lua/<name>.lua with a header that
 * states its keys, arguments and reply; read from disk once per process; defined on a connection with ioredis'
 * defineCommand, so every call is an EVALSHA (the script's text crosses the wire only when Redis lacks it, e.g.
 * after a restart).
 *
 * The .lua files are found from the package root (the folder holding package.json), so the same code works from
 * src/ under vitest and from dist/ in the installed CLI; package.json ships src/redis/lua with the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/** Each script and how many of its arguments are keys. */
const SCRIPTS = {
  'pacer-reserve': 2,
  'pacer-confirm': 3,
  'pacer-throttle': 1,
  'pacer-pause': 1,
  'chunk-transition': 4,
  'window-claim': 2,
  'chunk-reopen': 3,
  'call-gate': 2,
  'call-budget': 2,
  'watermark-advance': 1,
  'lock-release': 1,
  'lock-renew': 1,
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** The slice of ioredis the scripts need. */
export type ScriptRedis = Pick<Redis, 'defineCommand'>;

let sources: ReadonlyMap<ScriptName, string> | undefined;

function luaDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'redis', 'lua'))) return join(dir, 'src', 'redis', 'lua');
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no src/redis/lua/ folder found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function sourceOf(name: ScriptName): string {
  if (!sources) {
    const dir = luaDir();
    sources = new Map((Object.keys(SCRIPTS) as ScriptName[]).map((n) => [n, readFileSync(join(dir, `${n}.lua`), 'utf8')]));
  }
  return sources.get(name)!;
}

/** `chunk-transition` -> `cdnEtlChunkTransition`: a command name no ioredis method uses. */
function commandOf(name: ScriptName): string {
  return `cdnEtl${name.replace(/(^|-)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase())}`;
}

/**
 * Runs one script on `redis`, defining it there first if this connection has not seen it yet.
 *
 * @example await runScript(redis, 'lock-release', [lockKey], [token])
 */
export async function runScript(redis: ScriptRedis, name: ScriptName, keys: readonly string[], args: readonly string[]): Promise<unknown> {
  const command = commandOf(name);
  const target = redis as unknown as Record<string, ((...params: string[]) => Promise<unknown>) | undefined>;
  if (keys.length !== SCRIPTS[name]) throw new Error(`${name} takes ${SCRIPTS[name]} key(s), got ${keys.length}`);
  if (typeof target[command] !== 'function') redis.defineCommand(command, { numberOfKeys: SCRIPTS[name], lua: sourceOf(name) });
  return target[command]!.call(redis, ...keys, ...args);
}
