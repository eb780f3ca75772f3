/**
 * The scripts run the compiled CLI (`npm run demo` imports dist/): every module they import from dist/ must exist
 * after the build. A regression test for the demo broken by the layout move (dist/config.js became
 * dist/core/config.js, and the README's first command failed with ERR_MODULE_NOT_FOUND).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const SCRIPTS = new URL('../../scripts/', import.meta.url);

describe('scripts that import the compiled code', () => {
  const files = readdirSync(SCRIPTS).filter((f) => f.endsWith('.mjs'));
  const imports = files.flatMap((f) =>
    [...readFileSync(new URL(f, SCRIPTS), 'utf8').matchAll(/from '(\.\.\/dist\/[^']+)'/g)].map((m) => ({ file: f, path: m[1]! })),
  );

  it('import something from dist/ (the demo does)', () => {
    expect(imports.map((i) => i.file)).toContain('demo.mjs');
  });

  it('import only modules the build produced', () => {
    expect(imports.filter((i) => !existsSync(new URL(i.path, SCRIPTS)))).toEqual([]);
  });
});
