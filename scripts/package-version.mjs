// Build-time package versions: a package's sources name their own version as the string
// PACKAGE_VERSION_PLACEHOLDER, and this plugin (Rollup and Vite/Vitest share the hook) replaces
// it with the `version` of that package's package.json. So Entra's x-client-VER always tells
// the version that was published, with nothing to keep in sync by hand and no runtime read of
// package.json (browsers have none to read; Node would pay for it at import).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What sources write where their package's version belongs (a string literal, typed `string`). */
export const PACKAGE_VERSION_PLACEHOLDER = '0.0.0-tessera-package-version';

const SOURCE = /^(.*[\\/]packages[\\/][^\\/]+)[\\/]src[\\/]/;

/** The `version` in the package.json of the package that holds `file` (a path under packages/<name>/src). */
export function packageVersionOf(file) {
  const root = SOURCE.exec(file)?.[1];
  return root && JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}

/**
 * Rollup/Vite plugin: in every package source (packages/<name>/src) that names the placeholder, the
 * placeholder becomes that package's version. `versionOf` replaces the package.json lookup (tests).
 */
export function packageVersion({ versionOf = packageVersionOf } = {}) {
  return {
    name: 'tessera-package-version',
    transform(code, id) {
      const file = id.split('?')[0];
      if (!SOURCE.test(file) || !code.includes(PACKAGE_VERSION_PLACEHOLDER)) return null;
      const version = versionOf(file);
      if (!version) throw new Error(`No version in the package.json of ${file}`);
      return { code: code.replaceAll(PACKAGE_VERSION_PLACEHOLDER, version), map: null };
    },
  };
}
