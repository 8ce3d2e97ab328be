// `pnpm docs` (TypeDoc over core, node and browser) must stay green: every public export has TSDoc
// (typedoc.json: validation.notDocumented, warnings are errors) and every {@link} resolves.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from '../../../scripts/pack.mjs';

it('pnpm docs builds the API reference without a warning', () => {
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', join(root, '.tmp', 'docs-test')], {
    cwd: root,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  expect(output.split('\n').filter((l) => /warning|error/.test(l))).toEqual([]);
  expect(run.status).toBe(0);
}, 120_000);
