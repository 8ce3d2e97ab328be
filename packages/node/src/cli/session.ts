import { FileCacheStore } from '../cache/file-cache-store.js';
import { NodePublicClientApplication } from '../node-client.js';
import type { CliArgs } from './args.js';
import { usageError } from './errors.js';

/** Where the commands get tokens: a configured authority, or the embedded dev authority. */
export type Target = { embedded: true } | { embedded: false; authority?: string; clientId: string; cacheFile?: string };

/** The client the commands use, and what to release afterwards. */
export interface Session {
  app: NodePublicClientApplication;
  /** Set with the embedded dev authority: approves a device code as a dev user. */
  embedded?: { issuer: string; approve(userCode: string, username?: string): Promise<void> };
  close(): Promise<void>;
}

/** Flags win over the environment; with no authority and no client id, the embedded dev authority. */
export function resolveTarget(args: CliArgs, env: NodeJS.ProcessEnv): Target {
  const authority = args.authority ?? (env.TESSERA_AUTHORITY || undefined);
  const clientId = args.clientId ?? (env.TESSERA_CLIENT_ID || undefined);
  if (!authority && !clientId) return { embedded: true };
  if (!clientId) throw usageError('--client-id (or TESSERA_CLIENT_ID) is needed with an authority');
  // Without an authority, core's default applies (Entra, common tenant).
  return { embedded: false, authority, clientId, cacheFile: args.cacheFile ?? (env.TESSERA_CACHE_FILE || undefined) };
}

export async function openSession(target: Target): Promise<Session> {
  if (target.embedded) return embeddedSession();
  // A CLI has nowhere else to keep tokens between runs: a 0600 file, as az and gcloud do.
  const cacheStore = new FileCacheStore({ ...(target.cacheFile ? { path: target.cacheFile } : {}), allowUnencryptedStorage: true });
  const app = new NodePublicClientApplication({ clientId: target.clientId, authority: target.authority, cacheStore });
  return { app, close: async () => {} };
}

async function embeddedSession(): Promise<Session> {
  // Loaded only here: oidc-provider is heavy and a configured CLI never needs it.
  const dev = await import('@tessera/dev-authority');
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
