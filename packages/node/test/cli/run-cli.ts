import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The CLI from source, through tsx; run from the workspace root so tsx maps @tessera/* to src
// with the root tsconfig's paths, as vitest does.
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr. */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Environment without the developer's own Tessera settings or proxies. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(TESSERA_|https?_proxy$|no_proxy$)/i.test(k)) env[k] = v;
  return { ...env, TSX_TSCONFIG_PATH: `${ROOT}tsconfig.json`, ...extra };
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): CliRun {
  return startNode(['--import', TSX, CLI, ...args], env);
}

/** A built CLI (`dist/cli.js`, e.g. in a consumer-like install), run by plain Node. */
export function runBuiltCli(cliJs: string, args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  return startNode([cliJs, ...args], env).done;
}

function startNode(nodeArgs: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watch of [...watchers]) watch();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  const waitForStderr = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const watch = () => {
        const match = stderr.match(pattern);
        if (!match) return;
        watchers.splice(watchers.indexOf(watch), 1);
        resolve(match);
      };
      watchers.push(watch);
      watch();
      void done.then(() => reject(new Error(`CLI exited before printing ${pattern}; stderr:\n${stderr}`)));
    });
  return { child, stderr: () => stderr, waitForStderr, done };
}

export function runCli(args: string[], env?: NodeJS.ProcessEnv) {
  return startCli(args, env).done;
}

/** `tessera login --device` approved at the dev authority as `username`; resolves when the CLI exits. */
export async function deviceLogin(issuer: string, flags: string[], username: string, env?: NodeJS.ProcessEnv) {
  const { approveDeviceCode } = await import('@tessera/dev-authority');
  const login = startCli(['login', '--device', '--poll-interval', '0.2', '-s', 'api.read', ...flags], env);
  const [, userCode] = await login.waitForStderr(/enter the code (\S+)/);
  await approveDeviceCode(issuer, userCode!, { username });
  return login.done;
}
