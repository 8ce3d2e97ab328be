import { execFileSync } from 'node:child_process';

/** A real second OS user for the ownership tests; created (as a system user) when missing. */
export const OTHER_USER = 'tessera-test-other';

/** The second user's uid, or undefined when not running as root on Linux/Unix (then those tests skip). */
export function otherUid(): number | undefined {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return undefined;
  try {
    return Number(execFileSync('id', ['-u', OTHER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER_USER], { stdio: 'ignore' });
    return Number(execFileSync('id', ['-u', OTHER_USER], { encoding: 'utf8' }).trim());
  }
}
