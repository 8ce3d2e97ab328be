// Shared set-up for the security suite: clients wired to a hostile stub with fast retries,
// a persistent store to prove nothing is written, and assertions on refusals.
import { afterEach, expect } from 'vitest';
import {
  type AuthCodeFlow,
  ConfidentialClientApplication,
  type ConfidentialClientOptions,
  type ClientApplicationOptions,
  type LogLevel,
  MemoryCacheStore,
  PublicClientApplication,
  TesseraError,
  clearMetadataCache,
} from '@tessera/core';
import { HostileServer, type HostileServerOptions } from './hostile-server.js';

/** Small delays so bounded retries finish in milliseconds; Retry-After is capped by maxDelayMs. */
export const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 5_000 } as const;

export const REDIRECT_URI = 'http://127.0.0.1:53682/';
export const SCOPES = ['api.read'];

export interface CapturedLog {
  level: LogLevel;
  message: string;
}

/** Starts a stub per test and closes every one after it; also forgets cached discovery. */
export function useHostileServers(): (options?: HostileServerOptions) => Promise<HostileServer> {
  const started: HostileServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
    clearMetadataCache();
  });
  return async (options) => {
    const server = await HostileServer.start(options);
    started.push(server);
    return server;
  };
}

function stubAuthority(server: HostileServer): Partial<ClientApplicationOptions> {
  return server.entra
    ? { authority: server.authority, knownEntraHosts: [new URL(server.origin).host], instanceDiscovery: false }
    : { authority: server.authority };
}

export interface Harness<App> {
  app: App;
  store: MemoryCacheStore;
  logs: CapturedLog[];
}

/** What every harness client shares: the stub authority, fast retries, a store to inspect, captured logs. */
function harness<A>(server: HostileServer, create: (common: ClientApplicationOptions) => A): Harness<A> {
  const store = new MemoryCacheStore();
  const logs: CapturedLog[] = [];
  const app = create({
    clientId: server.clientId,
    ...stubAuthority(server),
    retry: FAST_RETRY,
    cacheStore: store,
    logger: { log: (level, message) => logs.push({ level, message }) },
    level: 'verbose',
  });
  return { app, store, logs };
}

export function publicClient(server: HostileServer, overrides: Partial<ClientApplicationOptions> = {}): Harness<PublicClientApplication> {
  return harness(server, (common) => new PublicClientApplication({ ...common, ...overrides }));
}

export function confidentialClient(
  server: HostileServer,
  overrides: Partial<ConfidentialClientOptions> = {},
): Harness<ConfidentialClientApplication> {
  return harness(server, (common) => new ConfidentialClientApplication({ ...common, clientCredential: 'stub-client-secret-value', ...overrides }));
}

/** The redirect the browser would bring back: code, the flow's state and the stub's issuer, plus overrides (undefined removes). */
export function redirectFor(flow: AuthCodeFlow, server: HostileServer, params: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = { code: 'stub-auth-code', state: flow.state, iss: server.issuer, ...params };
  const url = new URL(REDIRECT_URI);
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Nothing reached the in-memory cache or the persistent store. */
export function expectUntouched(h: Harness<{ tokenCache: { size: number; serialize(): string } }>, before?: string): void {
  if (before === undefined) expect(h.app.tokenCache.size).toBe(0);
  else expect(h.app.tokenCache.serialize()).toBe(before);
  if (before === undefined) expect(h.store.data.size).toBe(0);
}

/** Awaits a rejection and checks it is the typed error with this code. */
export async function refusal<E extends TesseraError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
  code: string,
): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a ${type.name} with code "${code}", but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TesseraError);
  expect(error).toBeInstanceOf(type);
  expect((error as E).code).toBe(code);
  return error as E;
}

/** Elapsed wall-clock ms of an async call (for generous upper bounds only). */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T | undefined; error: unknown }> {
  const start = Date.now();
  try {
    const value = await work();
    return { ms: Date.now() - start, value, error: undefined };
  } catch (error) {
    return { ms: Date.now() - start, value: undefined, error };
  }
}
