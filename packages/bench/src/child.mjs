// Runs one benchmark function in a fresh Node process so libraries' heaps and JIT state never mix.
// Parent: `await inChild(url('./silent.mjs'), 'benchSilent', [args])`. Child: this file, forked with IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SELF = fileURLToPath(import.meta.url);

/** Calls `exportName(...args)` of `moduleUrl` in a child process; resolves to its (JSON) result. */
export function inChild(moduleUrl, exportName, args = [], { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    // oidc-provider warns on every start under Node 20 (it targets 22); everything else passes through.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      const kept = text.split('\n').filter((line) => !line.includes('oidc-provider WARNING: Unsupported runtime')).join('\n');
      if (kept.trim()) process.stderr.write(kept);
    });
    let settled = false;
    const timer = setTimeout(() => {
      finish(new Error(`${exportName} in a child process took over ${timeoutMs / 1000} s`));
      child.kill('SIGKILL');
    }, timeoutMs);
    const finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      error ? reject(error) : resolve(value);
    };
    child.on('message', (m) => {
      if (m.ok) finish(undefined, m.result);
      else finish(Object.assign(new Error(m.error), { childStack: m.stack }));
    });
    child.on('exit', (code) => finish(new Error(`child process for ${exportName} exited with code ${code} before answering`)));
    child.on('error', finish);
    child.send({ moduleUrl: new URL(moduleUrl).href, exportName, args });
  });
}

/**
 * The same in a worker thread of this process: its own module instances, heap and event loop,
 * a fraction of a process's start-up time (used for the 8 concurrent cache-store writers).
 */
export function inThread(moduleUrl, exportName, args = []) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SELF, { workerData: { moduleUrl: new URL(moduleUrl).href, exportName, args } });
    let answered = false;
    worker.once('message', (m) => {
      answered = true;
      if (m.ok) resolve(m.result);
      else reject(Object.assign(new Error(m.error), { childStack: m.stack }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => answered || reject(new Error(`worker thread for ${exportName} exited with code ${code} before answering`)));
  });
}

// No top-level await here: the modules run below import this file themselves.
if (!isMainThread && workerData?.exportName) {
  const { moduleUrl, exportName, args } = workerData;
  import(moduleUrl)
    .then((mod) => mod[exportName](...args))
    .then(
      (result) => parentPort.postMessage({ ok: true, result }),
      (error) => parentPort.postMessage({ ok: false, error: String(error?.message ?? error), stack: error?.stack }),
    );
} else if (process.argv[1] === SELF && process.send) {
  process.once('message', async ({ moduleUrl, exportName, args }) => {
    try {
      const mod = await import(moduleUrl);
      const result = await mod[exportName](...args);
      process.send({ ok: true, result }, () => process.exit(0));
    } catch (error) {
      process.send({ ok: false, error: String(error?.message ?? error), stack: error?.stack }, () => process.exit(1));
    }
  });
}
