import type { ChildProcess } from 'node:child_process';
export function freePort(): Promise<number>;
export function startRedis(port: number, extraArgs?: string[]): Promise<ChildProcess>;
export function stopRedis(child: ChildProcess | undefined): Promise<void>;
export interface RedisClusterFixture {
  ports: number[];
  startupNodes: { host: string; port: number }[];
  masters(): Promise<{ port: number; slots: string[] }[]>;
  kill(port: number): Promise<void>;
  restart(port: number): Promise<void>;
  waitOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}
export function startRedisCluster(options?: { masters?: number; replicas?: number; nodeTimeoutMs?: number }): Promise<RedisClusterFixture>;
