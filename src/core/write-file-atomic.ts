/**
 * Writes a file whole or not at all, and never through a link: the text goes to a new temporary file in the same
 * folder (created exclusively, so a link planted at its name is refused), is flushed, and is renamed over the
 * target. rename replaces a link at the target with the file instead of writing to where it points.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * @example writeFileAtomic('/srv/reports/nov.html', html)
 * @throws the file system's error (code EACCES, EISDIR, ...); no temporary file is left behind.
 */
export function writeFileAtomic(target: string, text: string): void {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
