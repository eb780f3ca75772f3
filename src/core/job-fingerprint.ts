/**
 * Which configuration a job was planned for: digests of the CDN endpoint and of the access key id (never the
 * secret; the id is digested too, so Redis does not list the account). A worker refuses a job whose fingerprint
 * names another endpoint or another account, instead of fetching it with its own credentials and loading the
 * rows as if they were the planner's. A job planned without credentials (`backfill --detach`) names only the
 * endpoint; a job from before fingerprints names nothing and is taken.
 */
import { createHash } from 'node:crypto';

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** @example jobFingerprint({ endpoint: 'https://cdn.aliyuncs.com', accessKeyId: 'LTAI...' }) // 'ep=1a2b...;ak=3c4d...' */
export function jobFingerprint(options: { readonly endpoint: string; readonly accessKeyId?: string | undefined }): string {
  return `ep=${digest(options.endpoint)}${options.accessKeyId ? `;ak=${digest(options.accessKeyId)}` : ''}`;
}

/** Whether a worker of fingerprint `worker` may run a job of fingerprint `job`; the reason otherwise. */
export function fingerprintMismatch(job: string | undefined, worker: string | undefined): string | undefined {
  if (job === undefined || worker === undefined) return undefined;
  const parts = (fp: string): Map<string, string> => new Map(fp.split(';').map((p) => p.split('=') as [string, string]));
  const j = parts(job);
  const w = parts(worker);
  if (j.get('ep') !== w.get('ep')) return 'it was planned for another CDN endpoint (CDN_ENDPOINT)';
  if (j.has('ak') && j.get('ak') !== w.get('ak')) return 'it was planned for another account (ALIBABA_CLOUD_ACCESS_KEY_ID)';
  return undefined;
}
