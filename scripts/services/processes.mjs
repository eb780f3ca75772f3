/**
 * Files and processes: PATH lookup, pidfiles, child processes, apt-get, the state-dir lock, stopping a pid.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUESTDB_READY_TIMEOUT_MS, ServicesError, note } from './settings.mjs';

export function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The command line of a live process, or undefined (Linux /proc first, `ps` elsewhere). */
export function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 ? ps.stdout.trim() : undefined;
  }
}

export function tailOf(file, lines = 25) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
}

export function lastLines(text, n = 10) {
  return String(text || '').trim().split('\n').slice(-n).join('\n');
}

export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Installs Debian packages with apt-get as root. Keeps the package's own service from starting (a
 * second Redis on the default port would be a surprise) with a temporary policy-rc.d.
 */
export function aptInstall(packages) {
  if (!isRoot() || !which('apt-get')) return false;
  note(`installing ${packages.join(', ')} with apt-get`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !fs.existsSync(policy);
  if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\n# written by cdn-etl scripts/services.mjs during apt-get install\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = run('apt-get', ['update', '-qq'], { env });
    if (update.status !== 0) throw new ServicesError(`apt-get update failed: ${lastLines(update.stderr, 1)}`);
    const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
    if (install.status !== 0) throw new ServicesError(`apt-get install ${packages.join(' ')} failed: ${lastLines(install.stderr, 1)}`);
  } finally {
    if (ownPolicy) fs.rmSync(policy, { force: true });
  }
  return true;
}

/** Serialises `up`/`down` per state dir: two at once would start two servers on one port. */
export async function withLock(dir, fn) {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, 'services.lock');
  const deadline = Date.now() + QUESTDB_READY_TIMEOUT_MS + 60_000;
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = readPid(lock);
      if (holder === undefined || !isAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new ServicesError(`another services command (pid ${holder}) holds ${lock}`);
      if (!waiting) note(`waiting for another services command (pid ${holder}) to finish`);
      waiting = true;
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. Returns how it ended. */
export async function stopPid(pid, timeoutMs) {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'gone';
  }
  if (await waitFor(async () => !isAlive(pid), timeoutMs)) return 'stopped';
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'stopped';
  }
  await waitFor(async () => !isAlive(pid), 5_000);
  return 'killed';
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; `abort()` may throw to end early. */
export async function waitFor(check, timeoutMs, abort = () => {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    abort();
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(200);
  }
}
