import { type CacheStore, PublicClientApplication } from '@tessera/core';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rename } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = fileURLToPath(new URL('../node_modules/.cache/tessera-test-workers/', import.meta.url));

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}
const builds = new Map<string, Promise<string>>();

/**
 * Bundles test/workers/<script> and the TypeScript sources it imports into one plain .mjs file, once
 * per test run: a worker then starts in ~0.1 s instead of ~1 s under a TypeScript loader. esbuild is
 * the one tsx (a devDependency) ships. The store's own dependencies stay external and resolve from packages/node.
 */
function bundle(script: string): Promise<string> {
  let pending = builds.get(script);
  if (!pending) {
    pending = (async () => {
      const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as EsbuildLike;
      await mkdir(outDir, { recursive: true });
      const out = `${outDir}${script}`;
      const temp = `${out}.${process.pid}.tmp.mjs`;
      await esbuild.build({
        entryPoints: [fileURLToPath(new URL(`./workers/${script}`, import.meta.url))],
        outfile: temp,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        external: ['proper-lockfile', 'ioredis', '@napi-rs/keyring'],
        tsconfig: `${repoRoot}tsconfig.json`, // maps @tessera/core to its sources
        logLevel: 'warning',
      });
      await rename(temp, out);
      return out;
    })();
    builds.set(script, pending);
  }
  return pending;
}

export interface Worker {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  output(): string;
  /** Resolves when the worker printed this line. */
  line(text: string, timeoutMs?: number): Promise<void>;
}

/** Runs test/workers/<script> (bundled with the sources it imports) in a new Node process. */
export async function startWorker(script: string, args: string[]): Promise<Worker> {
  const child = spawn(process.execPath, [await bundle(script), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Makes every cached access token look two seconds from expiry (inside any expiry margin). */
export function expireAccessTokens(json: string): string {
  const cache = JSON.parse(json) as { AccessToken?: Record<string, { expires_on: string; cached_at: string }> };
  const now = Math.floor(Date.now() / 1000);
  for (const at of Object.values(cache.AccessToken ?? {})) {
    at.cached_at = String(now - 3600);
    at.expires_on = String(now + 2);
  }
  return JSON.stringify(cache);
}

/** An Entra-shaped home account id (oid.tid): personal data that store messages show only with PII logging on. */
export const PERSONAL_HOME = '00000000-0000-0000-66f3-3332eca7ea81.9188040d-6c67-4c5b-b112-36a304b66dad';
/** Whether `text` holds any piece of PERSONAL_HOME. */
export const hasPersonalHome = (text: string | undefined): boolean => ['66f3', '3332eca7ea81', '9188040d'].some((part) => text!.includes(part));

/**
 * The lines a client with per-account partitions over `cacheStore` logs when it loads PERSONAL_HOME's
 * partition (getAccount: no network), PII logging on or off.
 */
export async function perAccountLoadLog(cacheStore: CacheStore, piiLoggingEnabled: boolean): Promise<string[]> {
  const logged: string[] = [];
  const app = new PublicClientApplication({
    clientId: 'c',
    authority: 'http://127.0.0.1:1',
    cacheStore,
    cachePartitioning: 'perKey',
    piiLoggingEnabled,
    logger: { log: (_level, message) => logged.push(message) },
  });
  if ((await app.getAccount(PERSONAL_HOME)) !== undefined) throw new Error('no account expected');
  return logged;
}
