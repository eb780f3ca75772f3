import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON object per line at the configured level', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    log.debug('hidden');
    log.info({ domain: 'a.example.com', rows: 60 }, 'chunk loaded');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'chunk loaded', domain: 'a.example.com', rows: 60 });
  });

  it('redacts secrets wherever they sit', () => {
    const out = capture();
    const log = createLogger({ level: 'info', destination: out.stream });
    const secret = 'S3cr3t-value-xyz';
    log.info({ accessKeySecret: secret, config: { credentials: { accessKeySecret: secret, securityToken: secret } }, headers: { Authorization: secret } }, 'config');
    log.info({ params: { Signature: secret } }, 'request');
    expect(out.text()).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ accessKeySecret: '[redacted]', config: { credentials: { accessKeySecret: '[redacted]' } } });
  });
});
