// Benchmark 3: bundle size of an SPA's sign-in code (redirect sign-in + silent + persistent cache),
// each library built from a small entry (size-entries/<name>.js) with the same rollup settings:
// @rollup/plugin-node-resolve (browser), @rollup/plugin-commonjs, @rollup/plugin-terser (defaults),
// ES module output. Also each library's ready-made CDN file. Sizes: minified, gzip -9, brotli -q 11.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { versionOf } from './versions.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const modulesDir = here('../node_modules/');

export const SIZE_LIBRARIES = [
  // Tessera's CDN file is built for the run with the browser package's own bundle config
  // (packages/browser/rollup.bundles.mjs, into a temporary folder); without that config, the file in
  // dist is measured as found and flagged when older than its sources.
  {
    name: 'Tessera',
    packageName: '@tessera/browser',
    entry: 'tessera.js',
    cdn: 'dist/tessera-browser.min.js',
    ours: true,
    sources: ['../../core/src', '../../browser/src'],
    pending: tesseraBrowserPending,
  },
  { name: '@azure/msal-browser', packageName: '@azure/msal-browser', entry: 'msal-browser.js', cdn: 'lib/msal-browser.min.js' },
  { name: 'oidc-client-ts', packageName: 'oidc-client-ts', entry: 'oidc-client-ts.js', cdn: 'dist/browser/oidc-client-ts.min.js' },
  { name: '@auth0/auth0-spa-js', packageName: '@auth0/auth0-spa-js', entry: 'auth0-spa-js.js', cdn: 'dist/auth0-spa-js.production.js' },
];

// One definition of min / gzip -9 / brotli -q 11 sizes, shared with the browser package's `pnpm size`.
import { sizes as sizesOf } from '../../browser/scripts/bundle-check.mjs';

export { sizesOf };

/** Bundles one entry with the shared rollup settings; returns the minified code. */
export async function bundle(entryFile) {
  const [{ rollup }, { nodeResolve }, commonjs, terser] = await Promise.all([
    import('rollup'),
    import('@rollup/plugin-node-resolve'),
    import('@rollup/plugin-commonjs').then((m) => m.default),
    import('@rollup/plugin-terser').then((m) => m.default),
  ]);
  const warnings = [];
  const build = await rollup({
    input: entryFile,
    plugins: [nodeResolve({ browser: true, preferBuiltins: false }), commonjs(), terser()],
    onwarn: (w) => warnings.push(w.code),
  });
  try {
    const { output } = await build.generate({ format: 'es' });
    return { code: output.map((chunk) => chunk.code ?? '').join('\n'), warnings: [...new Set(warnings)] };
  } finally {
    await build.close();
  }
}

/** Why Tessera's SPA bundle cannot be measured yet, if it cannot: the entry needs the public API. */
function tesseraBrowserPending() {
  const index = here('../../browser/src/index.ts');
  if (!existsSync(index) || !/\bcreateBrowserClient\b/.test(readFileSync(index, 'utf8'))) return '@tessera/browser does not export createBrowserClient yet';
  if (!existsSync(here('../../browser/dist/index.js'))) return '@tessera/browser is not built (pnpm build)';
  return undefined;
}

/** One library: its entry bundled (child process) and its CDN file. */
export async function benchSize(index) {
  const lib = SIZE_LIBRARIES[index];
  const version = versionOf(lib.packageName);
  const result = { library: lib.name, packageName: lib.packageName, version, ours: !!lib.ours };
  const cdnPath = `${modulesDir}${lib.packageName}/${lib.cdn}`;
  result.cdnFile = `${lib.packageName}/${lib.cdn}`;
  const built = lib.ours ? await buildTesseraCdn() : undefined;
  result.cdnBuilt = !!built;
  result.cdn = built ? sizesOf(built) : existsSync(cdnPath) ? sizesOf(readFileSync(cdnPath)) : undefined;
  if (!built && result.cdn && lib.sources) {
    const newest = Math.max(...lib.sources.map((dir) => newestMtime(here(dir))));
    result.cdnStale = statSync(cdnPath).mtimeMs < newest;
  }
  result.pending = lib.pending?.();
  if (result.pending) return result;
  const started = performance.now();
  const { code, warnings } = await bundle(here(`./size-entries/${lib.entry}`));
  result.app = sizesOf(code);
  result.buildMs = performance.now() - started;
  result.warnings = warnings;
  return result;
}

/** The CDN file built now by the browser package's bundle config, or undefined without one. */
async function buildTesseraCdn() {
  const config = here('../../browser/rollup.bundles.mjs');
  if (!existsSync(config)) return undefined;
  const { bundleConfigs } = await import(pathToFileURL(config).href);
  if (typeof bundleConfigs !== 'function') return undefined;
  const outDir = mkdtempSync(join(tmpdir(), 'tessera-bench-cdn-'));
  try {
    const [cdn] = bundleConfigs({ outDir });
    const { rollup } = await import('rollup');
    const build = await rollup({ input: cdn.input, plugins: cdn.plugins, onwarn: () => {} });
    try {
      await build.write(cdn.output);
    } finally {
      await build.close();
    }
    return readFileSync(cdn.output.file);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const TOOLS = ['rollup', '@rollup/plugin-node-resolve', '@rollup/plugin-commonjs', '@rollup/plugin-terser'];

/** Versions of the build tools (the workspace root's devDependencies). */
export function toolVersions() {
  return Object.fromEntries(
    TOOLS.map((p) => {
      try {
        return [p, JSON.parse(readFileSync(here(`../../../node_modules/${p}/package.json`), 'utf8')).version];
      } catch {
        return [p, '?'];
      }
    }),
  );
}

/** Key of a peer's result in the quick-run cache: same entry, versions and build tools give the same bytes. */
export function cacheKey(index) {
  const lib = SIZE_LIBRARIES[index];
  const tools = toolVersions();
  const entry = readFileSync(here(`./size-entries/${lib.entry}`), 'utf8');
  const self = readFileSync(here('./size.mjs'), 'utf8');
  return createHash('sha256').update(JSON.stringify([lib, versionOf(lib.packageName), tools, entry, self, readFileSync(here('../../../pnpm-lock.yaml'))])).digest('hex');
}

/**
 * Quick runs reuse a peer's sizes from the last build with identical inputs (node_modules/.cache);
 * full runs always rebuild everything. Tessera is always rebuilt.
 */
export const sizeCache = {
  file: here('../node_modules/.cache/tessera-bench/sizes.json'),
  read() {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return {};
    }
  },
  write(data) {
    mkdirSync(here('../node_modules/.cache/tessera-bench/'), { recursive: true });
    writeFileSync(this.file, JSON.stringify(data, null, 2));
  },
};

/** Parent side: every library, each build in a child process. */
export async function runSizeSuite({ reuse }, log = () => {}) {
  const { inChild } = await import('./child.mjs');
  const cached = reuse ? sizeCache.read() : {};
  const fresh = {};
  const rows = new Array(SIZE_LIBRARIES.length);
  // Sizes are bytes, not timings: two builds at a time (the machine has two cores) change nothing.
  let next = 0;
  const worker = async () => {
    while (next < SIZE_LIBRARIES.length) {
      const i = next++;
      const key = SIZE_LIBRARIES[i].ours ? undefined : cacheKey(i);
      let r = key && cached[key] ? { ...cached[key], reused: true } : undefined;
      if (!r) {
        r = await inChild(new URL('./size.mjs', import.meta.url), 'benchSize', [i]);
        if (key && !r.pending) fresh[key] = r;
      }
      rows[i] = r;
      log(r);
    }
  };
  await Promise.all([worker(), worker()]);
  if (Object.keys(fresh).length) sizeCache.write({ ...sizeCache.read(), ...fresh });
  return rows;
}
