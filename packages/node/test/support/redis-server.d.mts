import type { ChildProcess } from 'node:child_process';
export function freePort(): Promise<number>;
export function startRedis(port: number): Promise<ChildProcess>;
export function stopRedis(child: ChildProcess | undefined): Promise<void>;
