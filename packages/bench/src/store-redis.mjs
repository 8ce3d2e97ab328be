// Cache-store adapter: @tessera/node RedisCacheStore (createRedisCacheStore) against a redis-server
// started for the run on a free 127.0.0.1 port, without persistence (as the node package's tests do).
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { missingExport } from './versions.mjs';

export const library = { name: 'RedisCacheStore', packageName: '@tessera/node' };

export async function pending() {
  const missing = await missingExport('@tessera/node', 'createRedisCacheStore');
  if (missing) return missing;
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return 'redis-server is not installed (bash .ci/setup installs it)';
  return undefined;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export async function setup() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const version = spawnSync('redis-server', ['--version']).stdout.toString().match(/v=(\S+)/)?.[1];
  const teardown = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return { config: { url: `redis://127.0.0.1:${port}` }, teardown, describe: `redis-server ${version ?? ''} on 127.0.0.1` };
}

export async function open({ url }) {
  const { createRedisCacheStore } = await import('@tessera/node');
  const store = await createRedisCacheStore({ url, prefix: 'bench' });
  return { store, close: () => store.close() };
}
