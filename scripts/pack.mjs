// Packs workspace packages the way they are published (`pnpm pack`: workspace: ranges become versions,
// only `files` ship). The build is done once by the caller, so `prepack` (a full build) is skipped here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

export const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The packages a consumer installs; dev-authority is packed too because @tessera/node may need it. */
export const PUBLISHED = ['core', 'node', 'browser', 'dev-authority'];

/**
 * Packs `dirs` (folders under packages/) into `dest`; returns `{ name, dir, tarball }` per package.
 * @param {string} dest
 * @param {string[]} [dirs]
 */
export function packPackages(dest, dirs = PUBLISHED) {
  mkdirSync(dest, { recursive: true });
  return dirs.map((dir) => {
    const cwd = join(root, 'packages', dir);
    const { name, version } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
    execFileSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, npm_config_ignore_scripts: 'true' },
    });
    const tarball = join(dest, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
    return { name, dir, tarball };
  });
}
