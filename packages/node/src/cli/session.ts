import { FileCacheStore } from '../cache/file-cache-store.js';
import { NodePublicClientApplication } from '../node-client.js';
import type { CliArgs } from './args.js';
import { CliError, ExitCode, usageError } from './errors.js';
import type { TextOut } from './io.js';

/** Where the commands get tokens: a configured authority, or (--dev-authority) the embedded dev authority. */
export type Target = { embedded: true } | { embedded: false; authority?: string; clientId: string; cacheFile?: string; par?: boolean };

/** The client the commands use, and what to release afterwards. */
export interface Session {
  app: NodePublicClientApplication;
  /** Set with the embedded dev authority: approves a device code as a dev user. */
  embedded?: { issuer: string; approve(userCode: string, username?: string): Promise<void> };
  close(): Promise<void>;
}

/**
 * Flags win over the environment. The development authority runs only when asked for with
 * --dev-authority: a script with a missing TESSERA_AUTHORITY must fail, not carry on with a fake token.
 */
export function resolveTarget(args: CliArgs, env: NodeJS.ProcessEnv): Target {
  const authority = args.authority ?? (env.TESSERA_AUTHORITY || undefined);
  const clientId = args.clientId ?? (env.TESSERA_CLIENT_ID || undefined);
  if (args.devAuthority) {
    if (args.authority || args.clientId) throw usageError('--dev-authority starts its own authority: leave out --authority and --client-id');
    return { embedded: true };
  }
  if (!authority && !clientId) {
    throw usageError(
      'no authority is configured: pass --authority and --client-id (or set TESSERA_AUTHORITY and TESSERA_CLIENT_ID); ' +
        'for a throwaway token from a development authority, use `tessera token --dev-authority`',
    );
  }
  if (!clientId) throw usageError('--client-id (or TESSERA_CLIENT_ID) is needed with an authority');
  // Without an authority, core's default applies (Entra, common tenant).
  return { embedded: false, authority, clientId, cacheFile: args.cacheFile ?? (env.TESSERA_CACHE_FILE || undefined), par: args.par };
}

export async function openSession(target: Target, warnings: TextOut): Promise<Session> {
  if (target.embedded) return embeddedSession();
  const warn = (message: string, level = 'warning') => warnings.write(`tessera: ${level}: ${message}\n`);
  // A CLI has nowhere else to keep tokens between runs: a 0600 file, as az and gcloud do.
  const cacheStore = new FileCacheStore({ ...(target.cacheFile ? { path: target.cacheFile } : {}), allowUnencryptedStorage: true, onWarning: warn });
  const app = new NodePublicClientApplication({
    clientId: target.clientId,
    authority: target.authority,
    cacheStore,
    // A sign-in or sign-out that the cache file did not take is a failure, not "Signed in".
    cacheStoreErrors: 'throw',
    // A client registered to require PAR: nothing in discovery says so.
    ...(target.par && { pushedAuthorizationRequests: 'always' as const }),
    logger: { log: (level, message) => warn(message, level) },
    level: 'warning',
  });
  return { app, close: async () => {} };
}

async function embeddedSession(): Promise<Session> {
  const dev = await loadDevAuthority();
  const authority = await dev.startDevAuthority();
  const app = new NodePublicClientApplication({ clientId: authority.clients.native.clientId, authority: authority.issuer });
  return {
    app,
    embedded: {
      issuer: authority.issuer,
      approve: (userCode, username = 'dev') => dev.approveDeviceCode(authority.issuer, userCode, { username }),
    },
    close: () => authority.close(),
  };
}

const DEV_AUTHORITY = '@tessera/dev-authority';

/** Loaded only here: an optional peer (oidc-provider is heavy and a configured CLI never needs it). */
async function loadDevAuthority(): Promise<typeof import('@tessera/dev-authority')> {
  try {
    return await import('@tessera/dev-authority');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(DEV_AUTHORITY)) {
      throw new CliError(`--dev-authority needs the ${DEV_AUTHORITY} package, which is not installed: install it (npm install --save-dev ${DEV_AUTHORITY})`, ExitCode.error);
    }
    throw error;
  }
}
