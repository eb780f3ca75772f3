/**
 * What may leave the client in an error: a server message without the echoed string-to-sign, the secret, the STS
 * token or anything shaped like a signature, bounded in length; and a cause reduced to its code and message.
 */
import { stripControls } from '../core/strip-controls.js';
import { errorCode } from './classify-error.js';
import { BodyReadError } from './pool-transport.js';

/** The strings worth redacting: the secret and the token (shorter ones would redact ordinary words). */
export function secretsOf(credentials: { readonly accessKeySecret: string; readonly securityToken?: string | undefined }): readonly string[] {
  return [credentials.accessKeySecret, credentials.securityToken ?? ''].filter((s) => s.length >= 4);
}

/** A server message fit for an error. */
export function redactServerMessage(message: string, secrets: readonly string[]): string {
  // SignatureDoesNotMatch answers echo the server's string to sign (with the STS token in V2): drop it.
  let clean = stripControls(message).replace(/\s*(?:server\s+)?string\s*to\s*sign\b[\s\S]*$/i, ' [string to sign removed]');
  for (const secret of secrets) clean = clean.split(secret).join('[redacted]');
  clean = clean.replace(/[0-9a-f]{64}/gi, '[redacted]');
  return clean.length > 300 ? `${clean.slice(0, 300)}...` : clean;
}

/** Keeps the cause's code and message only: undici errors carry no headers, but be sure nothing else leaks. */
export function scrubCause(err: Error): Error {
  const inner = err instanceof BodyReadError && err.inner instanceof Error ? err.inner : err;
  const copy = new Error(inner.message);
  copy.name = inner.name;
  const code = errorCode(inner);
  if (code) (copy as Error & { code?: string }).code = code;
  return copy;
}
