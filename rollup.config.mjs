// Builds every package: ESM + CJS + bundled .d.ts (and its .d.cts twin) per entry point.
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { bundleConfigs as browserBundles } from './packages/browser/rollup.bundles.mjs';
import { packageVersion } from './scripts/package-version.mjs';

const packages = {
  core: ['index'],
  'dev-authority': ['index', 'cli'],
  node: ['index', 'cli'],
  browser: ['index'],
};

/**
 * Dependencies inlined (tree-shaken) into a package's JavaScript instead of imported at run time;
 * the .d.ts still refer to the package. zod: `zod/mini` re-exports `zod/v4/core` and its 40
 * locales (about 50 ms at import, against @tessera/node's 30 ms budget), and core uses a small part.
 * @tessera/node's own schemas (credentials/answers.ts) use zod/mini, also inlined, in a chunk that
 * loads with the first managed identity or CLI answer, not at import.
 */
const INLINED = { core: ['zod'], node: ['zod'] };

/**
 * Packages an SPA bundles: class fields become constructor assignments, as in the CDN build (the
 * same objects, fewer bytes in an app's bundle).
 */
const ASSIGNED_FIELDS = ['core', 'browser'];

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function externalFor(pkgJson) {
  const deps = Object.keys({ ...pkgJson.dependencies, ...pkgJson.peerDependencies, ...pkgJson.optionalDependencies });
  return (id) => builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`));
}

const configs = [];
for (const [dir, entries] of Object.entries(packages)) {
  const root = `packages/${dir}`;
  // Chunk names carry content hashes: without a clean slate, stale chunks pile up in dist.
  rmSync(`${root}/dist`, { recursive: true, force: true });
  const pkgJson = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
  const external = externalFor(pkgJson);
  const inlined = INLINED[dir] ?? [];
  const isInlined = (id) => inlined.some((d) => id === d || id.startsWith(`${d}/`));
  const input = Object.fromEntries(
    entries.filter((e) => existsSync(`${root}/src/${e}.ts`)).map((e) => [e, `${root}/src/${e}.ts`]),
  );
  if (Object.keys(input).length === 0) continue;
  configs.push({
    input,
    external: (id) => !isInlined(id) && external(id),
    plugins: [...(inlined.length ? [nodeResolve({ rootDir: root })] : []), typescript({ tsconfig: 'tsconfig.base.json', include: [`${root}/src/**/*.ts`], compilerOptions: { types: ['node'], useDefineForClassFields: !ASSIGNED_FIELDS.includes(dir) } }), packageVersion()],
    output: [
      { dir: `${root}/dist`, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      { dir: `${root}/dist`, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', exports: 'named' },
    ],
    onwarn(warning, warn) {
      if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.some((id) => id.includes('node_modules'))) return;
      warn(warning);
    },
  });
  configs.push({
    input,
    external,
    plugins: [dts({ tsconfig: 'tsconfig.base.json', compilerOptions: { types: ['node'] } })],
    // The `require` condition's types are a .d.cts twin whose chunk imports name the .cjs files, so
    // CommonJS consumers (`module: node16`) see CommonJS declarations, not ESM ones (TS1479).
    output: [
      { dir: `${root}/dist`, format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
      { dir: `${root}/dist`, format: 'es', entryFileNames: '[name].d.cts', chunkFileNames: 'chunks/[name]-[hash].d.cts' },
    ],
  });
}

// @tessera/browser's CDN file (dist/tessera-browser.min.js) and its sample SPA (sample/dist/app.js).
configs.push(...browserBundles());

export default configs;
