import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];

/**
 * Linux only: the uid that owns the other end of a loopback TCP connection, read from the kernel's
 * socket tables as identd does (both ends of a loopback connection are listed there). `null` when
 * the tables list our end of the connection but the client's end has no owner any more: its socket
 * was closed (an orphaned or TIME_WAIT row, listed with uid 0 and inode 0) or is gone. Undefined
 * on other systems, or when the tables cannot be read or do not list connections (WSL 1).
 */
export async function loopbackPeerUid(socket: Socket): Promise<number | null | undefined> {
  if (process.platform !== 'linux' || socket.remotePort === undefined || socket.localPort === undefined) return undefined;
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const clientEnd = `:${hex(socket.remotePort)}`;
  const ourEnd = `:${hex(socket.localPort)}`;
  let listsOurs = false;
  for (const table of TABLES) {
    const text = await readFile(table, 'latin1').catch(() => '');
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/);
      // The client's row: its own address is the connection's remote end, and ours is its remote.
      if (fields[1]?.endsWith(clientEnd) && fields[2]?.endsWith(ourEnd)) return fields[9] === '0' ? null : Number(fields[7]);
      if (fields[1]?.endsWith(ourEnd) && fields[2]?.endsWith(clientEnd)) listsOurs = true;
    }
  }
  return listsOurs ? null : undefined;
}

/**
 * Whether a loopback client is another (non-root) user of this machine: the sign-in answers only
 * the user's own programs (their browser), and root, which could read the process anyway (and runs
 * the port forwarders of containers). A client that closed its socket before we could see whose it
 * was counts as another user: the kernel then lists it as uid 0, and a browser waits for its answer.
 */
export async function isOtherUser(socket: Socket): Promise<boolean> {
  const ours = process.getuid?.();
  if (ours === undefined) return false;
  const peer = await loopbackPeerUid(socket);
  if (peer === null) return true;
  return peer !== undefined && peer !== ours && peer !== 0;
}
