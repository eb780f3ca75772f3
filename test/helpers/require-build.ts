import { existsSync } from 'node:fs';

/** Fails unless the compiled CLI exists: tests that spawn it need `npm run build` first. */
export function requireBuild(): void {
  if (!existsSync(new URL('../../dist/cli.js', import.meta.url))) throw new Error('run `npm run build` first: these tests spawn the compiled CLI');
}
