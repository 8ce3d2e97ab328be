import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, vi } from 'vitest';

/** What a stub CLI saw when it ran. */
export interface StubRecord {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  pid: number;
}

/**
 * Stub `az` / `azd` executables: small Node scripts with a shebang, in a fresh folder put first on
 * PATH (a real executable found through PATH, run by execFile as the real CLI would be). Each
 * stub records its argv, cwd, environment and pid, then runs `behaviour` (JavaScript).
 */
export function useCliStubs(): {
  install(name: string, behaviour: string): Promise<{ record: () => Promise<StubRecord | undefined> }>;
  /** PATH holds only an empty folder: no CLI can be found. */
  emptyPath(): Promise<void>;
} {
  const dirs: string[] = [];
  afterEach(async () => {
    vi.unstubAllEnvs();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const folder = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-stub-'));
    dirs.push(dir);
    return dir;
  };
  return {
    async install(name, behaviour) {
      const dir = await folder();
      const file = join(dir, name);
      const recordFile = `${file}.record.json`;
      const script = [
        `#!${process.execPath}`,
        "const fs = require('node:fs');",
        `fs.writeFileSync(${JSON.stringify(recordFile)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, pid: process.pid }));`,
        behaviour,
      ].join('\n');
      await writeFile(file, script);
      await chmod(file, 0o755);
      vi.stubEnv('PATH', `${dir}${delimiter}${process.env.PATH ?? ''}`);
      return {
        record: async () => {
          try {
            return JSON.parse(await readFile(recordFile, 'utf8')) as StubRecord;
          } catch {
            return undefined;
          }
        },
      };
    },
    async emptyPath() {
      vi.stubEnv('PATH', await folder());
    },
  };
}

/** Behaviour: print `value` as JSON and exit 0. */
export const printJson = (value: unknown) => `process.stdout.write(${JSON.stringify(JSON.stringify(value))}); process.exit(0);`;

/** Behaviour: print `text` on stderr and exit with `code`. */
export const fail = (text: string, code = 1) => `process.stderr.write(${JSON.stringify(text)}); process.exit(${code});`;
