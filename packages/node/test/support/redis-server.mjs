// A throwaway redis-server on a free 127.0.0.1 port, without persistence: for the Redis store's
// tests and the benchmarks (plain JavaScript so both can import it).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export async function freePort() {
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

/** Starts redis-server on `port` (with `extraArgs`, e.g. cluster mode) and resolves once it answers PING. */
export async function startRedis(port, extraArgs = []) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** Kills the server (as a crash would) and waits for it to exit. */
export async function stopRedis(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A throwaway Redis Cluster on loopback: `masters` masters, each with `replicas` replicas, every
 * node a redis-server in cluster mode without persistence (a restarted node comes back empty).
 * Resolves once every node reports `cluster_state:ok`. Call `stop()` in afterAll.
 */
export async function startRedisCluster({ masters = 3, replicas = 0, nodeTimeoutMs = 1000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-redis-cluster-'));
  const ports = [];
  for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freePort());
  const args = (port) => ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', String(nodeTimeoutMs), '--dir', dir];
  const nodes = new Map();
  const cluster = {
    ports,
    /** `{ host, port }` of every node, for `new Redis.Cluster(cluster.startupNodes)`. */
    startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    /** Ports of the nodes that are masters now, with the first slot each serves. */
    async masters() {
      const out = [];
      for (const port of ports) {
        if (!nodes.get(port) || nodes.get(port).exitCode !== null || nodes.get(port).signalCode !== null) continue;
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'nodes']);
        for (const line of stdout.split('\n')) {
          const [, address, flags, , , , , , ...slots] = line.split(' ');
          if (flags?.includes('myself') && flags.includes('master') && slots.length) out.push({ port: Number(address.split(':')[1].split('@')[0]), slots });
        }
      }
      return out;
    },
    /** Kills a node as a crash would (SIGKILL). */
    async kill(port) {
      await stopRedis(nodes.get(port));
    },
    /** Starts a killed node again, empty (no persistence), with its cluster config; waits for the cluster. */
    async restart(port) {
      nodes.set(port, await startRedis(port, args(port)));
      await cluster.waitOk();
    },
    /** Waits until every live node reports cluster_state:ok. */
    async waitOk(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let ok = true;
        for (const [port, child] of nodes) {
          if (child.exitCode !== null || child.signalCode !== null) continue;
          const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']).catch(() => ({ stdout: '' }));
          if (!stdout.includes('cluster_state:ok')) ok = false;
        }
        if (ok) return;
        if (Date.now() > deadline) throw new Error('Redis Cluster did not reach cluster_state:ok');
        await sleep(50);
      }
    },
    async stop() {
      await Promise.all([...nodes.values()].map(stopRedis));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(ports.map(async (port) => nodes.set(port, await startRedis(port, args(port)))));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
    await cluster.waitOk();
    if (replicas > 0) {
      // cluster_state:ok comes before the replicas are attached: wait until each master has its replicas.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(ports[0]), 'cluster', 'nodes']);
        const attached = stdout.split('\n').filter((l) => l.includes(' slave ') && !l.includes('fail')).length;
        if (attached >= masters * replicas) break;
        if (Date.now() > deadline) throw new Error('Redis Cluster replicas did not attach');
        await sleep(50);
      }
    }
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
