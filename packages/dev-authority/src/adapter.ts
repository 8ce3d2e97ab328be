import type { Adapter, AdapterPayload } from 'oidc-provider';

// Our own in-memory store (rather than oidc-provider's default one) so each authority has its
// own state, the "dev-only adapter" warning stays quiet, and tests can revoke by subject.

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/** Keep expired entries a while so the provider can answer e.g. expired_token, not invalid_grant. */
const EXPIRY_GRACE_SECONDS = 60;

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  /** grantId -> keys of the tokens/codes issued under it. */
  readonly #grants = new Map<string, Set<string>>();
  readonly #index = new Map<string, string>();

  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresIn?: number): void {
    const expiresAt = expiresIn ? Date.now() + (expiresIn + EXPIRY_GRACE_SECONDS) * 1000 : Number.POSITIVE_INFINITY;
    this.#entries.set(key, { payload, expiresAt });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  link(grantId: string, key: string): void {
    const keys = this.#grants.get(grantId) ?? new Set<string>();
    keys.add(key);
    this.#grants.set(grantId, keys);
  }

  revokeGrant(grantId: string): void {
    for (const key of this.#grants.get(grantId) ?? []) this.#entries.delete(key);
    this.#grants.delete(grantId);
  }

  setIndex(name: string, id: string): void {
    this.#index.set(name, id);
  }

  getIndex(name: string): string | undefined {
    return this.#index.get(name);
  }

  /** Revokes every grant of an account and everything issued under it. */
  revokeSubject(accountId: string): number {
    let count = 0;
    for (const [key, entry] of this.#entries) {
      if (!key.startsWith('Grant:') || entry.payload.accountId !== accountId) continue;
      const grantId = key.slice('Grant:'.length);
      this.revokeGrant(grantId);
      this.#entries.delete(key);
      count += 1;
    }
    return count;
  }

  adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.set(key(id), payload, expiresIn);
        if (GRANTABLE.has(model) && payload.grantId) this.link(payload.grantId, key(id));
        if (model === 'Session' && payload.uid) this.setIndex(`uid:${payload.uid}`, id);
        if (payload.userCode) this.setIndex(`userCode:${payload.userCode}`, id);
      },
      find: async (id) => this.get(key(id)),
      findByUid: async (uid) => {
        const id = this.getIndex(`uid:${uid}`);
        return id === undefined ? undefined : this.get(key(id));
      },
      findByUserCode: async (userCode) => {
        const id = this.getIndex(`userCode:${userCode}`);
        return id === undefined ? undefined : this.get(key(id));
      },
      consume: async (id) => {
        const payload = this.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        this.revokeGrant(grantId);
      },
    };
  }
}
