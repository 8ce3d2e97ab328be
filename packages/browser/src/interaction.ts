import type { AuthCodeFlow } from '@tessera/core';
import { BrowserAuthError } from './errors.js';

const PREFIX = 'tessera.interaction.';
/** Entries older than this belong to abandoned interactions (a closed tab, the back button) and are removed. */
export const STALE_AFTER_MS = 10 * 60 * 1000;

export interface InteractionRecord {
  mode: 'redirect' | 'popup';
  /** ms since the epoch */
  createdAt: number;
  /** Absent while the flow is being prepared. */
  flow?: AuthCodeFlow;
  login?: boolean;
  appState?: string;
}

const fresh = (r: InteractionRecord | undefined): r is InteractionRecord => !!r && Date.now() - r.createdAt < STALE_AFTER_MS;

/**
 * The transient state of one sign-in (PKCE verifier, state, nonce, requested scopes) in
 * sessionStorage: one timestamped entry per client and tab, from the start of an interaction
 * to its end. Creating the store removes every client's stale entries.
 */
export class InteractionStore {
  readonly #key: string;

  constructor(clientId: string) {
    this.#key = PREFIX + clientId;
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX) && !fresh(read(key))) sessionStorage.removeItem(key);
  }

  read(): InteractionRecord | undefined {
    return read(this.#key);
  }

  /** Claims the tab for a new interaction, synchronously; `interaction_in_progress` if one runs. */
  begin(mode: InteractionRecord['mode']): void {
    const current = this.read();
    if (fresh(current)) throw new BrowserAuthError('interaction_in_progress', `A ${current.mode} sign-in is already in progress in this tab`);
    this.save({ mode, createdAt: Date.now() });
  }

  save(record: InteractionRecord): void {
    sessionStorage.setItem(this.#key, JSON.stringify(record));
  }

  clear(): void {
    sessionStorage.removeItem(this.#key);
  }
}

function read(key: string): InteractionRecord | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(key)!) ?? undefined;
  } catch {
    return undefined;
  }
}
