import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevAuthority } from '@tessera/dev-authority';
import { afterAll, beforeAll, vi } from 'vitest';
import { ClientSecretCredential } from '../../src/index.js';

/** A private D-Bus session bus, with or without GNOME Keyring's Secret Service on it. */
export interface SessionBus {
  /** DBUS_SESSION_BUS_ADDRESS of the bus. */
  address: string;
  close(): Promise<void>;
}

/** Why a real Secret Service cannot run here, or undefined when it can. */
export function secretServiceMissing(): string | undefined {
  for (const tool of ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install gnome-keyring)`;
  }
  return undefined;
}

// Nothing is activated on demand (no service folders): the bus has exactly what the test starts.
const busConfig = (socket: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/** Resolves with the first line a process prints on stdout. */
function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end !== -1) resolve(out.slice(0, end).trim());
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${err.trim()}`)));
  });
}

/** Waits until the Secret Service's name is owned on the bus (asked with dbus-send), or the daemon died. */
async function serving(address: string, keyring: ChildProcess): Promise<void> {
  let err = '';
  keyring.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  keyring.stdout!.resume();
  for (let attempt = 0; attempt < 200; attempt++) {
    if (keyring.exitCode !== null) throw new Error(`gnome-keyring-daemon exited (${keyring.exitCode}): ${err.trim()}`);
    const reply = spawnSync(
      'dbus-send',
      [`--bus=${address}`, '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
      { encoding: 'utf8' },
    );
    if (/boolean true/.test(reply.stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gnome-keyring-daemon did not serve org.freedesktop.secrets: ${err.trim()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts `dbus-daemon` on a socket in a temporary folder and, with `keyring`, GNOME Keyring's
 * Secret Service on it (`gnome-keyring-daemon --foreground --unlock --components=secrets`, its
 * login keyring created and unlocked with a password read from stdin, stored in the folder).
 * Both are this test's own processes, stopped by close().
 */
export async function startSessionBus(options: { keyring: boolean }): Promise<SessionBus> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-dbus-'));
  const runtime = join(dir, 'run');
  await mkdir(runtime, { mode: 0o700 });
  await writeFile(join(dir, 'bus.conf'), busConfig(join(dir, 'bus')));
  const bus = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const children: ChildProcess[] = [bus];
  const close = async () => {
    for (const child of children.reverse()) await stop(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const address = await firstLine(bus, 'dbus-daemon');
    if (options.keyring) {
      const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: runtime, HOME: dir };
      const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(keyring);
      keyring.stdin!.end('test-keyring-password');
      await serving(address, keyring);
    }
    return { address, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts a private session bus for the enclosing describe block and points DBUS_SESSION_BUS_ADDRESS at it. */
export function useSessionBus(options: { keyring: boolean }): void {
  let bus: SessionBus | undefined;
  beforeAll(async () => {
    bus = await startSessionBus(options);
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', bus.address);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await bus?.close();
  });
}

/** A ClientSecretCredential of the dev authority with tokenCachePersistenceOptions in `directory`. */
export function persistentCredential(
  idp: DevAuthority,
  directory: string,
  name: string,
  extra: { unsafeAllowUnencryptedStorage?: boolean } = {},
): ClientSecretCredential {
  const c = idp.clients.confidential;
  return new ClientSecretCredential('', c.clientId, c.clientSecret, {
    authority: idp.issuer,
    tokenCachePersistenceOptions: { enabled: true, name, directory, ...extra },
  });
}
