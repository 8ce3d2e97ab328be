// Installs the packed packages with plain npm outside the workspace, as a consumer would, and checks
// that what the type declarations promise is what the JavaScript has, for `import` and for `require`,
// and that CommonJS (`module: node16`) and ESM TypeScript consumers compile and run (getting a real
// token from the installed dev authority through the installed credential).
// Uses the built dist: `pnpm build` first (pnpm test does).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackages, root } from '../../../scripts/pack.mjs';

const CHECKED = ['@tessera/core', '@tessera/node', '@tessera/browser', '@tessera/dev-authority'];
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let dir = '';

const run = (cmd: string, args: string[], cwd = dir) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  for (const pkg of ['core', 'node', 'browser', 'dev-authority']) {
    if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.d.cts'))) throw new Error(`packages/${pkg}/dist is missing: run pnpm build`);
  }
  dir = mkdtempSync(join(tmpdir(), 'tessera-consumer-'));
  const tarballs = packPackages(join(dir, 'tarballs')).map((p) => p.tarball);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs]);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Names of the values (not types) the declarations resolved for `mode` export, per package. */
function declaredValues(mode: 'import' | 'require'): Record<string, string[]> {
  const options: ts.CompilerOptions = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, types: [], noEmit: true };
  const from = join(dir, mode === 'import' ? 'probe.mts' : 'probe.cts');
  const kind = mode === 'import' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS;
  const files = CHECKED.map((name) => {
    const resolved = ts.resolveModuleName(name, from, options, ts.sys, undefined, undefined, kind).resolvedModule;
    if (!resolved) throw new Error(`${name} has no types for ${mode}`);
    expect(resolved.resolvedFileName).toMatch(mode === 'import' ? /\.d\.ts$/ : /\.d\.cts$/);
    return resolved.resolvedFileName;
  });
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    CHECKED.map((name, i) => {
      const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(files[i]!)!)!;
      const values = checker
        .getExportsOfModule(moduleSymbol)
        .filter((s) => ((s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s).flags & ts.SymbolFlags.Value) !== 0)
        .map((s) => s.name);
      return [name, values.sort()];
    }),
  );
}

/** Names the JavaScript really exports, loaded by Node from the install, per package. */
function runtimeValues(mode: 'import' | 'require'): Record<string, string[]> {
  const body = `const out = {}; for (const n of ${JSON.stringify(CHECKED)}) out[n] = Object.keys(${mode === 'import' ? 'await import(n)' : 'require(n)'}).sort(); console.log(JSON.stringify(out));`;
  const args = mode === 'import' ? ['--input-type=module', '-e', body] : ['-e', body];
  return JSON.parse(run(process.execPath, args)) as Record<string, string[]>;
}

describe('packed packages installed with npm', () => {
  it.each(['import', 'require'] as const)('every value the types declare exists at run time, and no more (%s)', (mode) => {
    const declared = declaredValues(mode);
    const runtime = runtimeValues(mode);
    for (const name of CHECKED) {
      expect(declared[name]!.length, name).toBeGreaterThan(5);
      expect(runtime[name], name).toEqual(declared[name]);
    }
  });

  // Uses each package the way its README does, through the types a consumer gets; then runs the output.
  const consumer = `
import { PublicClientApplication, ServerError, TesseraError, type AuthenticationResult } from '@tessera/core';
import { AzureAuthorityHosts, ClientSecretCredential, ServerError as NodeServerError, tokenCachePersistence } from '@tessera/node';
import { BrowserAuthError, type BrowserClientOptions } from '@tessera/browser';
import { startDevAuthority } from '@tessera/dev-authority';

const app = new PublicClientApplication({ clientId: 'consumer', authority: 'https://login.example.com/tenant' });
const options: Partial<BrowserClientOptions> = { clientId: 'spa' };
const result: AuthenticationResult | undefined = undefined;
const credential = new ClientSecretCredential('tenant', 'client', 'secret', { authorityHost: AzureAuthorityHosts.AzurePublicCloud });
const store = tokenCachePersistence({ allowUnencryptedStorage: true, directory: '.cache' });
const error: TesseraError = new NodeServerError({ error: 'access_denied' });
// A real token from the installed dev authority through the installed credential.
async function liveToken(): Promise<number> {
  const idp = await startDevAuthority();
  try {
    const { clientId, clientSecret } = idp.clients.confidential;
    const live = new ClientSecretCredential('', clientId, clientSecret, { authority: idp.issuer });
    const token = await live.getToken('api.read');
    await live.close();
    return token.token.split('.').length;
  } finally {
    await idp.close();
  }
}

void liveToken().then((jwtParts) => console.log(JSON.stringify({
  jwtParts,
  app: typeof app.getAccounts,
  credential: typeof credential.getToken,
  store: typeof store.load,
  sameClass: error instanceof ServerError,
  code: error.code,
  browserError: typeof BrowserAuthError,
  options: options.clientId,
  result: result ?? null,
})));
`;

  it.each([
    ['CommonJS', 'commonjs'],
    ['ESM', 'module'],
  ] as const)('a %s TypeScript consumer (module: node16) compiles and runs', (_label, type) => {
    const project = join(dir, type);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type }));
    writeFileSync(join(project, 'index.ts'), consumer);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          strict: true,
          skipLibCheck: false,
          outDir: 'out',
          typeRoots: [join(root, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    let output = '';
    try {
      output = run(process.execPath, [tsc, '-p', project]);
    } catch (e) {
      throw new Error(`tsc failed for the ${type} consumer:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    expect(output).toBe('');
    const printed = JSON.parse(run(process.execPath, [join(project, 'out', 'index.js')], project)) as Record<string, unknown>;
    expect(printed).toEqual({
      jwtParts: 3,
      app: 'function',
      credential: 'function',
      store: 'function',
      sameClass: true,
      code: 'access_denied',
      browserError: 'function',
      options: 'spa',
      result: null,
    });
  });
});
