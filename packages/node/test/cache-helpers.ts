import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface Worker {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  output(): string;
  /** Resolves when the worker printed this line. */
  line(text: string, timeoutMs?: number): Promise<void>;
}

/** Runs test/workers/<script> in a new Node process, with TypeScript sources loaded by tsx. */
export function startWorker(script: string, args: string[]): Worker {
  const child = spawn(process.execPath, ['--import', tsxLoader, fileURLToPath(new URL(`./workers/${script}`, import.meta.url)), ...args], {
    cwd: repoRoot,
    env: { ...process.env, TSX_TSCONFIG_PATH: `${repoRoot}tsconfig.json` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let closed = false;
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => {
      closed = true;
      resolve(code ?? signal ?? -1);
    }),
  );
  const line = (text: string, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not print "${text}"; output: ${out}`)), timeoutMs);
      const check = () => {
        if (out.split('\n').includes(text)) {
          clearTimeout(timer);
          resolve();
        } else if (closed) {
          clearTimeout(timer);
          reject(new Error(`worker exited before printing "${text}"; output: ${out}`));
        } else waiters.push(check);
      };
      void exited.then(check);
      check();
    });
  return { child, exited, output: () => out, line };
}

/** Waits for a worker to exit 0, failing with its output otherwise. */
export async function finished(worker: Worker): Promise<void> {
  const code = await worker.exited;
  if (code !== 0) throw new Error(`worker exited with ${code}: ${worker.output()}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
