// Importing @tessera/node loads no Node built-in that only some features need (crypto, tls, http,
// net, dns, os, stream...): those load on first use (src/node-builtins.ts), so that every app does
// not pay for them in its start-up (budget: import <= 30 ms; measured by packages/bench, not here).
// Uses the built dist (`pnpm build` first), in child processes: this process has them all loaded.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const PUBLIC = new Set(builtinModules);
let dir = '';

beforeAll(() => {
  if (!existsSync(join(DIST, 'index.cjs'))) throw new Error('packages/node/dist is missing: run pnpm build');
  dir = mkdtempSync(join(tmpdir(), 'tessera-import-'));
  // The baseline: the built-ins @tessera/node may load at import (cheap; the file stores use them).
  writeFileSync(join(dir, 'allowed.mjs'), "import 'node:fs/promises'; import 'node:path';");
  writeFileSync(join(dir, 'allowed.cjs'), "require('node:fs/promises'); require('node:path');");
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Public built-ins a fresh Node process has loaded after `load` (an import() or a require() expression). */
function builtinsAfter(load: string): Set<string> {
  const script = `${load}.then(() => console.log(JSON.stringify(process.moduleLoadList)))`;
  const list: string[] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }));
  return new Set(list.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)).filter((m) => PUBLIC.has(m)));
}

/** The built-ins `target` loads beyond those `baseline`, loaded the same way, loads (with the module loader's own). */
function loadedBy(how: 'import' | 'require', target: string, baseline: string): string[] {
  const load = (file: string) => (how === 'import' ? `import(${JSON.stringify(pathToFileURL(file).href)})` : `Promise.resolve(require(${JSON.stringify(file)}))`);
  const before = builtinsAfter(load(baseline));
  return [...builtinsAfter(load(target))].filter((m) => !before.has(m)).sort();
}

describe('@tessera/node at import', () => {
  it('import() of the ESM build loads only fs/promises and path of the Node built-ins', () => {
    expect(loadedBy('import', join(DIST, 'index.js'), join(dir, 'allowed.mjs'))).toEqual([]);
  });

  it('require() of the CommonJS build loads only fs/promises and path of the Node built-ins', () => {
    expect(loadedBy('require', join(DIST, 'index.cjs'), join(dir, 'allowed.cjs'))).toEqual([]);
  });

  it('the probe sees a built-in that is imported at module top', () => {
    writeFileSync(join(dir, 'eager.mjs'), "import 'node:fs/promises'; import 'node:crypto';");
    expect(loadedBy('import', join(dir, 'eager.mjs'), join(dir, 'allowed.mjs'))).toContain('crypto');
  });
});
