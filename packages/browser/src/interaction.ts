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
 * The transient state of one sign-in (PKCE verifier, state, nonce, requested scopes) lives in
 * sessionStorage: one timestamped entry per client and tab, from the start of an interaction to
 * its end. This gives a client's key, and removes every client's stale entries.
 */
export function interactionKey(clientId: string): string {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX) && !fresh(readInteraction(key))) clearInteraction(key);
  return PREFIX + clientId;
}

export function readInteraction(key: string): InteractionRecord | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(key)!) ?? undefined;
  } catch {
    return undefined;
  }
}

export function saveInteraction(key: string, record: InteractionRecord): void {
  sessionStorage.setItem(key, JSON.stringify(record));
}

export function clearInteraction(key: string): void {
  sessionStorage.removeItem(key);
}

/** Claims the tab for a new interaction, synchronously; `interaction_in_progress` if one runs. */
export function beginInteraction(key: string, mode: InteractionRecord['mode']): void {
  const current = readInteraction(key);
  if (fresh(current)) throw new BrowserAuthError('interaction_in_progress', `A ${current.mode} sign-in is already in progress in this tab`);
  saveInteraction(key, { mode, createdAt: Date.now() });
}
