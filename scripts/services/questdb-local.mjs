/**
 * QuestDB from the Maven Central jar on a local Java.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { QUESTDB_HEAP, QUESTDB_MIN_JAVA, QUESTDB_READY_TIMEOUT_MS, QUESTDB_VERSION, STOP_TIMEOUT_MS, ServicesError, hostPort, ipv4BindAddress, isLoopback, note } from './settings.mjs';
import { probeQuestdbHttp, tcpOpen } from './probes.mjs';
import { commandLineOf, isAlive, lastLines, readPid, run, stopPid, tailOf, waitFor, which } from './processes.mjs';

export const questdbPaths = (s) => {
  const root = path.join(s.servicesDir, 'questdb');
  return { root, conf: path.join(root, 'conf', 'server.conf'), pid: path.join(root, 'questdb.pid'), log: path.join(root, 'questdb.log'), tmp: path.join(root, 'tmp') };
};

/** The pid of a QuestDB this state dir started and that still runs, else undefined. */
export function ownQuestdbPid(s) {
  const p = questdbPaths(s);
  const pid = readPid(p.pid);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const cmd = commandLineOf(pid) || '';
  return cmd.includes('io.questdb') && cmd.includes(p.root) ? pid : undefined;
}

export function javaBinary(s) {
  const fromHome = s.javaHome ? path.join(s.javaHome, 'bin', 'java') : undefined;
  const java = fromHome && fs.existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new ServicesError(
      `java not found: QuestDB ${QUESTDB_VERSION} needs Java ${QUESTDB_MIN_JAVA} or later; install the Debian package default-jre-headless (or openjdk-17-jre-headless)`,
    );
  }
  const version = run(java, ['-version']);
  const match = `${version.stderr}${version.stdout}`.match(/version "(\d+)(?:\.(\d+))?/);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= QUESTDB_MIN_JAVA)) {
    throw new ServicesError(`${java} is Java ${Number.isNaN(major) ? '(unknown version)' : major}; QuestDB ${QUESTDB_VERSION} needs Java ${QUESTDB_MIN_JAVA} or later (Debian package openjdk-17-jre-headless)`);
  }
  return java;
}

/**
 * Checks that `file` is a whole jar that holds QuestDB's server: ZIP local-header magic, an end of
 * central directory record, and io/questdb/ServerMain.class listed in the central directory.
 */
export function isQuestdbJar(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    if (size < 1024 * 1024) return false;
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    if (head.readUInt32LE(0) !== 0x04034b50) return false;
    const tailLength = Math.min(size, 65_557);
    const tail = Buffer.alloc(tailLength);
    fs.readSync(fd, tail, 0, tailLength, size - tailLength);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0 || eocd + 22 > tailLength) return false;
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset + cdSize > size || cdSize > 64 * 1024 * 1024) return false;
    const cd = Buffer.alloc(cdSize);
    fs.readSync(fd, cd, 0, cdSize, cdOffset);
    return cd.includes('io/questdb/ServerMain.class');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The QuestDB jar from the cache, fetched from Maven Central with mvn when absent or damaged. */
export function questdbJar(s) {
  const jar = path.join(s.cacheDir, `questdb-${QUESTDB_VERSION}.jar`);
  if (isQuestdbJar(jar)) return jar;
  const mvn = which('mvn');
  if (!mvn) {
    throw new ServicesError(`mvn not found: it fetches QuestDB ${QUESTDB_VERSION} from Maven Central; install the Debian package maven`);
  }
  fs.mkdirSync(s.cacheDir, { recursive: true });
  // Fetch into a private directory and rename, so a half-written jar never sits under the final name.
  const staging = fs.mkdtempSync(path.join(s.cacheDir, '.fetch-'));
  try {
    note(`fetching org.questdb:questdb:${QUESTDB_VERSION} with mvn into ${s.cacheDir}`);
    const fetched = run(
      mvn,
      ['-B', '-q', 'dependency:copy', `-Dartifact=org.questdb:questdb:${QUESTDB_VERSION}`, `-DoutputDirectory=${staging}`],
      { cwd: staging, timeout: 600_000 },
    );
    const staged = path.join(staging, `questdb-${QUESTDB_VERSION}.jar`);
    if (fetched.status !== 0 || !fs.existsSync(staged)) {
      const why = lastLines(`${fetched.stdout}\n${fetched.stderr}`.replace(/\x1b\[[0-9;]*m/g, ''), 1) || `exit ${fetched.status}`;
      throw new ServicesError(`mvn could not fetch org.questdb:questdb:${QUESTDB_VERSION}: ${why}`);
    }
    if (!isQuestdbJar(staged)) throw new ServicesError(`mvn fetched ${staged} but it is not a complete QuestDB jar`);
    fs.renameSync(staged, jar);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return jar;
}

/** server.conf: our ports only; ILP/TCP, UDP and the min-HTTP health server are off so that copies on other ports never collide. */
export function questdbServerConf(q, bindHost) {
  const lines = [
    '# Written by scripts/services.mjs at each start; change the script or QUESTDB_HTTP/QUESTDB_PG, not this file.',
    `http.bind.to=${bindHost}:${q.httpPort}`,
    `pg.net.bind.to=${bindHost}:${q.pgPort}`,
    // cdn-etl writes ILP over HTTP; the TCP and UDP listeners would only take fixed ports.
    'line.tcp.enabled=false',
    'line.udp.enabled=false',
    'http.min.enabled=false',
    'telemetry.enabled=false',
  ];
  if (q.pgUser !== 'admin' || q.pgPassword !== 'quest') lines.push(`pg.user=${q.pgUser}`, `pg.password=${q.pgPassword}`);
  if (q.httpUser) lines.push(`http.user=${q.httpUser}`, `http.password=${q.httpPassword}`);
  return `${lines.join('\n')}\n`;
}

export async function startQuestdbLocal(s) {
  const q = s.questdb;
  const where = `${hostPort(q.host, q.httpPort)}`;
  if (q.tls) throw new ServicesError(`no QuestDB answers at ${where} and services:up does not start QuestDB with TLS: start one yourself`);
  const bindHost = ipv4BindAddress(q.host);
  if (!bindHost) throw new ServicesError(`no QuestDB answers at ${where}; it is not a loopback IPv4 address on this machine, so services:up cannot start it`);
  if (!isLoopback(q.pgHost)) throw new ServicesError(`QUESTDB_PG names ${q.pgHost}, not this machine; a started QuestDB would listen on ${bindHost}`);
  if (await tcpOpen(q.pgHost, q.pgPort)) {
    throw new ServicesError(`port ${hostPort(q.pgHost, q.pgPort)} (QUESTDB_PG) is taken by another program; stop it or choose another port in QUESTDB_PG`);
  }
  const java = javaBinary(s);
  const jar = questdbJar(s);
  const p = questdbPaths(s);
  fs.mkdirSync(path.dirname(p.conf), { recursive: true });
  fs.mkdirSync(p.tmp, { recursive: true });
  fs.writeFileSync(p.conf, questdbServerConf(q, bindHost), { mode: 0o600 });
  fs.chmodSync(p.conf, 0o600);
  // QDB_* variables would override server.conf and could move QuestDB off the ports we promise.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('QDB_')));
  const args = [
    QUESTDB_HEAP,
    // The jar unpacks its native libraries into java.io.tmpdir: keep them with this instance.
    `-Djava.io.tmpdir=${p.tmp}`,
    '-p', jar,
    '-m', 'io.questdb/io.questdb.ServerMain',
    '-d', p.root,
  ];
  note(`starting QuestDB ${QUESTDB_VERSION} on ${where} (pg ${q.pgPort}), log ${p.log}`);
  const logFd = fs.openSync(p.log, 'a');
  let child;
  try {
    // Fully detached: own session, stdio on the log file, so a caller capturing our output sees us end.
    child = spawn(java, args, { cwd: p.root, env, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    fs.closeSync(logFd);
  }
  let exited;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    exited = err.message;
  });
  child.unref();
  if (child.pid) fs.writeFileSync(p.pid, `${child.pid}\n`);
  const ready = await waitFor(
    async () => (await probeQuestdbHttp(q)).state === 'questdb' && (await tcpOpen(q.pgHost, q.pgPort)),
    QUESTDB_READY_TIMEOUT_MS,
    () => {
      if (exited) {
        process.stderr.write(`--- last lines of ${p.log} ---\n${tailOf(p.log)}\n---\n`);
        fs.rmSync(p.pid, { force: true });
        throw new ServicesError(`QuestDB stopped during start (${exited}); see ${p.log}`);
      }
    },
  );
  if (!ready) {
    process.stderr.write(`--- last lines of ${p.log} ---\n${tailOf(p.log)}\n---\n`);
    if (child.pid) await stopPid(child.pid, STOP_TIMEOUT_MS.questdb);
    fs.rmSync(p.pid, { force: true });
    throw new ServicesError(`QuestDB on ${where} was not ready within ${QUESTDB_READY_TIMEOUT_MS / 1000} s and was stopped; see ${p.log}`);
  }
  return { status: 'started', pid: child.pid, log: p.log };
}
