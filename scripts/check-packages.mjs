// `pnpm check:packages`: packs core, node, browser and dev-authority as published and runs arethetypeswrong and
// `publint --strict` on each tarball; any problem fails the run. Needs a fresh `pnpm build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPackages, root } from './pack.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
const dest = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
let failed = 0;
try {
  for (const { name, tarball } of packPackages(dest)) {
    for (const [tool, args] of [
      ['attw', [tarball, '--format', 'ascii']],
      ['publint', ['--strict', tarball]],
    ]) {
      const run = spawnSync(bin(tool), args, { encoding: 'utf8' });
      const ok = run.status === 0;
      if (!ok) failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} ${name}`);
      if (!ok) console.log(run.stdout + run.stderr);
    }
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
