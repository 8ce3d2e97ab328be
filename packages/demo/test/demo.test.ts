// `pnpm demo` against the real dev authority (the console part, `--once`): every step runs, and the
// terminal shows what tokens are, never their characters.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../src/demo.mjs', import.meta.url));

it('runs every console step and prints no token characters', () => {
  const run = spawnSync(process.execPath, [demo, '--once'], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, run.stderr).toBe(0);
  for (const step of ['== 1.', '== 2.', '== 3.', '== 4.', '== 5.']) expect(run.stdout).toContain(step);
  expect(run.stdout).toMatch(/access token \(JWT, RS256, \d+ chars\)/);
  expect(run.stdout).toContain('fromCache=true, same token as the sign-in: true');
  // Base64url JSON (every JWT part starts so) never reaches the terminal.
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/eyJ[\w-]{4}/);
});
