// Browser bundles (on top of the package builds in the root rollup.config.mjs):
//  - dist/tessera-browser.min.js: core + browser + idb-keyval in one minified ES module for a CDN <script type="module">;
//  - sample/dist/app.js: the sample SPA, bundled the way an app's bundler would.
// Sources are used directly (TypeScript transpiled without type checks), so no package build is needed first;
// `bundleConfigs({ outDir })` lets tests build into a temporary directory.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { packageVersion } from '../../scripts/package-version.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = resolve(here, '..');
const OWN_SOURCES = /[\\/]packages[\\/](core|browser)[\\/]src[\\/]/;

/** `@tessera/*` to their sources, `./x.js` to `./x.ts`, TypeScript to JavaScript; all our modules side-effect free. */
export function tesseraSources() {
  return {
    name: 'tessera-sources',
    resolveId(source, importer) {
      const pkg = /^@tessera\/(core|browser)$/.exec(source);
      if (pkg) return { id: join(packagesDir, pkg[1], 'src', 'index.ts'), moduleSideEffects: false };
      // Browsers have fetch: core's lazy cross-fetch fallback becomes a one-liner instead of a chunk.
      if (source === 'cross-fetch') return '\0cross-fetch';
      if (importer?.endsWith('.ts') && source.startsWith('.') && source.endsWith('.js')) {
        const candidate = resolve(dirname(importer), source.replace(/\.js$/, '.ts'));
        if (existsSync(candidate)) return { id: candidate, moduleSideEffects: !OWN_SOURCES.test(candidate) };
      }
      return null;
    },
    load(id) {
      return id === '\0cross-fetch' ? 'export default (...args) => fetch(...args);' : null;
    },
    transform(code, id) {
      if (!id.endsWith('.ts')) return null;
      const out = ts.transpileModule(code, {
        fileName: id,
        // Constructor assignments instead of field declarations: the same objects, fewer bytes.
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true, useDefineForClassFields: false, sourceMap: false },
      });
      return { code: out.outputText, map: null };
    },
  };
}

/**
 * Properties the bundles shorten like local names: fields of core's FlowContext, Authority,
 * TokenRequest, CachePersistence, the token cache's stored entries and SingleFlight's calls, which
 * the client builds and core's flows read, and which no caller ever passes or sees. A public option
 * or result field of the same name would be renamed too and break: test/bundle.test.ts checks that
 * none of these names is a property of the package's public types. Nothing stored or sent to other
 * tabs may be read by these names (the cache, the sign-in's sessionStorage entry; a tab message's
 * Authority carries some, which the receiving tab does not read): another build names them otherwise.
 * (Terser keeps DOM property names, e.g. `identity`, whatever this list says.)
 */
export const INTERNAL_PROPERTIES = ['persistence', 'partitioning', 'singleFlight', 'excludeScopes', 'verifySignature', 'clockSkew', 'refreshLock', 'metadataUrl', 'multiTenant', 'partition', 'persistent', 'authenticate', 'accountInfo', 'appHeaders', 'familyRefresh', 'throttles', 'libraryHeaders', 'tenantIds', 'sendWithDpop', 'grantedScopes', 'expectedHomeAccountId', 'aroundTokenRequest', 'needsInstanceDiscovery', 'tokenEndpoint', 'entity', 'section', 'waiting'];

const minify = () =>
  terser({
    module: true,
    ecma: 2022,
    // sequences: false and inline: 1 make the output a little longer but gzip better (measured: −53 bytes);
    // a fourth pass still finds some (−9 bytes).
    compress: { passes: 4, pure_getters: true, unsafe_arrows: true, keep_fargs: false, sequences: false, inline: 1 },
    mangle: { properties: { regex: new RegExp(`^(${INTERNAL_PROPERTIES.join('|')})$`) } },
    // Errors name themselves after their class (error.name === 'InteractionRequiredError').
    keep_classnames: /Error$/,
    format: { comments: false },
  });

/** Rollup configs of the CDN file and the sample app; `outDir` defaults to the package's dist and sample/dist. */
export function bundleConfigs({ outDir } = {}) {
  const plugins = [tesseraSources(), packageVersion(), nodeResolve({ browser: true, extensions: ['.mjs', '.js', '.ts'] }), minify()];
  const onwarn = (warning, warn) => {
    if (warning.code === 'CIRCULAR_DEPENDENCY' && warning.ids?.some((id) => id.includes('node_modules'))) return;
    warn(warning);
  };
  return [
    {
      input: join(here, 'src', 'index.ts'),
      plugins,
      onwarn,
      output: { file: join(outDir ?? join(here, 'dist'), 'tessera-browser.min.js'), format: 'es', inlineDynamicImports: true },
    },
    {
      input: join(here, 'sample', 'app.js'),
      plugins,
      onwarn,
      output: { file: join(outDir ?? join(here, 'sample', 'dist'), 'app.js'), format: 'es', inlineDynamicImports: true },
    },
  ];
}

export default bundleConfigs();
