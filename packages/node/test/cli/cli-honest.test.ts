import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useCliSetup } from './cli-setup.js';
import { cleanEnv, deviceLogin, runBuiltCli, runCli } from './run-cli.js';

// Issue 11 section 5: the CLI never reports success it did not have. Every case is a real process.
const NODE_PACKAGE = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Makes a folder unwritable for this process, also for root (which ignores modes): mode 0555, and the
 * immutable attribute when that is not enough. Returns the undo, or undefined if neither works here.
 */
function makeReadOnly(dir: string): (() => void) | undefined {
  const writable = () => {
    try {
      writeFileSync(join(dir, '.probe'), '');
      unlinkSync(join(dir, '.probe'));
      return true;
    } catch {
      return false;
    }
  };
  chmodSync(dir, 0o555);
  if (!writable()) return () => chmodSync(dir, 0o700);
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
  } catch {
    chmodSync(dir, 0o700);
    return undefined;
  }
  const undo = () => {
    execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
    chmodSync(dir, 0o700);
  };
  if (writable()) {
    undo();
    return undefined;
  }
  return undo;
}

describe('tessera CLI: no success it did not have', { timeout: 60_000 }, () => {
  const setup = useCliSetup();
  const flagsFor = setup.flags;

  it('login and logout fail when the cache file would be under a regular file', async () => {
    const plain = join(setup.home, 'plain-file');
    writeFileSync(plain, 'not a folder');
    const cacheFile = join(plain, 'cache.json');
    const login = await deviceLogin(setup.idp.issuer, flagsFor(cacheFile), 'under-file');
    expect(login.code).toBe(1);
    expect(login.stdout).toBe(''); // no "Signed in"
    expect(login.stderr).toContain(cacheFile);
    expect(login.stderr).toMatch(/ENOTDIR|EEXIST/);
    expect(login.stderr).toContain('--cache-file');
    expect(setup.idp.countRequests({ path: '/token' })).toBeGreaterThan(0); // it did sign in: only the saving failed

    const logout = await runCli(['logout', '--all', ...flagsFor(cacheFile)]);
    expect(logout.code).toBe(1);
    expect(logout.stdout).toBe('');
    expect(logout.stderr).toContain(cacheFile);
    expect(readFileSync(plain, 'utf8')).toBe('not a folder');
  });

  it('login and logout fail in a read-only folder, and the cache keeps what it had', async (ctx) => {
    const dir = join(setup.home, 'frozen');
    mkdirSync(dir, { mode: 0o700 });
    const cacheFile = join(dir, 'cache.json');
    const first = await deviceLogin(setup.idp.issuer, flagsFor(cacheFile), 'kept-user');
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(cacheFile, 'utf8');

    const undo = makeReadOnly(dir);
    if (!undo) return ctx.skip(); // neither mode bits nor chattr can stop this process here
    let logout, login;
    try {
      logout = await runCli(['logout', ...flagsFor(cacheFile)]);
      login = await deviceLogin(setup.idp.issuer, flagsFor(cacheFile), 'second-user');
    } finally {
      undo();
    }
    expect(logout.code).toBe(1);
    expect(logout.stdout).toBe(''); // no "Signed out"
    expect(logout.stderr).toContain(cacheFile);
    expect(login.code).toBe(1);
    expect(login.stdout).toBe('');
    expect(login.stderr).toContain(cacheFile);

    // Nothing was lost or half-written: the file is as it was and the account is still signed in.
    expect(readFileSync(cacheFile, 'utf8')).toBe(before);
    const accounts = await runCli(['accounts', ...flagsFor(cacheFile)]);
    expect(accounts.stdout).toMatch(/^kept-user\t/);
    expect(accounts.stdout).not.toContain('second-user');
  });

  it('without an authority nothing runs: no development token unless --dev-authority is given', async () => {
    const env = cleanEnv({ TESSERA_AUTHORITY: '', TESSERA_CLIENT_ID: '' });
    const [token, login, mixed, devLogin] = await Promise.all([
      runCli(['token', '-s', 'api.read'], env),
      runCli(['login', '-s', 'api.read'], env),
      runCli(['token', '--dev-authority', '--authority', setup.idp.issuer, '-s', 'api.read'], env),
      runCli(['login', '--dev-authority', '-s', 'api.read'], env),
    ]);
    for (const result of [token, login, mixed, devLogin]) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain('Embedded development authority');
    }
    expect(token.stderr).toContain('no authority is configured');
    expect(token.stderr).toContain('--dev-authority');
    expect(mixed.stderr).toContain('leave out --authority');
    expect(devLogin.stderr).toContain('--dev-authority works only with `tessera token`');
  });

  it('@tessera/dev-authority is an optional peer, loaded only by --dev-authority, with a clear error when missing', async () => {
    const pkg = JSON.parse(readFileSync(join(NODE_PACKAGE, 'package.json'), 'utf8'));
    expect(pkg.dependencies['@tessera/dev-authority']).toBeUndefined();
    expect(pkg.peerDependencies['@tessera/dev-authority']).toBeDefined();
    expect(pkg.peerDependenciesMeta['@tessera/dev-authority']).toEqual({ optional: true });
    expect(pkg.devDependencies['@tessera/dev-authority']).toBeDefined();

    // The built package installed without the peer, as a consumer would have it.
    const dist = join(NODE_PACKAGE, 'dist');
    expect(existsSync(join(dist, 'cli.js')), 'run `pnpm build` first').toBe(true);
    const install = join(setup.home, 'install');
    const pkgDir = join(install, 'node_modules', '@tessera', 'node');
    cpSync(dist, join(pkgDir, 'dist'), { recursive: true });
    writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg));
    for (const dep of Object.keys(pkg.dependencies)) {
      const target = join(install, 'node_modules', dep);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(NODE_PACKAGE, 'node_modules', dep), target);
    }
    const cli = join(pkgDir, 'dist', 'cli.js');
    const run = (args: string[]) => runBuiltCli(cli, args);
    const configured = await run(['accounts', ...flagsFor('peer.json')]);
    expect(configured.code, configured.stderr).toBe(0); // works without the peer
    const missing = await run(['token', '--dev-authority', '-s', 'api.read']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'tessera: --dev-authority needs the @tessera/dev-authority package, which is not installed: install it (npm install --save-dev @tessera/dev-authority)\n',
    );
  });

  it('--version and per-command --help', async () => {
    const pkg = JSON.parse(readFileSync(join(NODE_PACKAGE, 'package.json'), 'utf8'));
    const [version, login, logout, token] = await Promise.all([
      runCli(['--version']),
      runCli(['login', '--help']),
      runCli(['logout', '-h']),
      runCli(['token', '--help']),
    ]);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/^Usage: tessera login \[options\]/);
    expect(login.stdout).toContain('--device');
    expect(login.stdout).toContain('--prompt');
    expect(login.stdout).not.toContain('--all');
    expect(logout.stdout).toMatch(/^Usage: tessera logout \[options\]/);
    expect(logout.stdout).toContain('--all');
    expect(logout.stdout).not.toContain('--device');
    expect(token.stdout).toContain('--dev-authority');
    expect(token.stdout).not.toContain('--no-browser');
  });

  it('names an authority that answers with an HTML page', async () => {
    // A real HTTP server on loopback that answers everything with a web page (a portal, a wrong URL).
    const html: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Portal</title>'));
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    const authority = `http://127.0.0.1:${(html.address() as AddressInfo).port}/realms/wrong`;
    try {
      const result = await runCli(['login', '--device', '-s', 'api.read', '--authority', authority, '--client-id', 'c', '--cache-file', join(setup.home, 'html.json')]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('HTML');
      expect(result.stderr).toContain(`the authority ${authority} did not answer as an OpenID Connect provider`);
      expect(result.stderr).toContain('check --authority');
    } finally {
      html.close();
    }
  });

  it('explains invalid_scope, and names the port and timeout options as typed', async () => {
    const cacheFile = join(setup.home, 'scope.json');
    expect((await deviceLogin(setup.idp.issuer, flagsFor(cacheFile), 'scoped')).code).toBe(0);
    // api.write was never granted: the refresh is refused with invalid_scope.
    const scope = await runCli(['token', '-s', 'api.write', ...flagsFor(cacheFile)]);
    expect(scope.code).toBe(1);
    expect(scope.stdout).toBe('');
    expect(scope.stderr).toMatch(/^tessera: invalid_scope/);
    expect(scope.stderr).toContain('a scope in --scope is unknown to the authority or not allowed for this client');

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const [inUse, invalid, timeout] = await Promise.all([
        runCli(['login', '--no-browser', `--port=${port}`, '-s', 'api.read', ...flagsFor(cacheFile)]),
        runCli(['login', '--port', 'eighty', ...flagsFor(cacheFile)]),
        runCli(['login', '--no-browser', '--timeout', '0.5', '-s', 'api.read', ...flagsFor(cacheFile)]),
      ]);
      expect(timeout.code).toBe(1);
      expect(timeout.stderr).toContain('No sign-in response came back from the browser within');
      expect(timeout.stderr).toContain('(wait longer with --timeout <seconds>)');
      expect(inUse.code).toBe(1);
      expect(inUse.stderr).toBe(`tessera: port ${port} on the loopback interface is in use: choose another --port, or leave --port out to let the system pick a free port\n`);
      expect(inUse.stderr).not.toContain('`port`');
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toContain('--port got an invalid value "eighty"');
    } finally {
      busy.close();
    }
  });

  it('prints cache warnings in its own format', async () => {
    const cacheFile = join(setup.home, 'corrupt.json');
    writeFileSync(cacheFile, '{ not json', { mode: 0o600 });
    const result = await runCli(['accounts', ...flagsFor(cacheFile)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^tessera: warning: Token cache file ${cacheFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was corrupt .*moved it to .*\nNo account is signed in\.\n$`));
    expect(result.stderr).not.toMatch(/\(node:\d+\)|TesseraCacheWarning/);
  });
});
