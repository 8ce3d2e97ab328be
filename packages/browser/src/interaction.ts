import type { AuthCodeFlow } from '@tessera/core';
import { BrowserAuthError } from './errors.js';

const PREFIX = 'tessera.interaction.';
/** Entries older than this belong to abandoned interactions (a closed tab, the back button) and are removed. */
export const STALE_AFTER_MS = 10 * 60 * 1000;

/** One interaction's entry in sessionStorage. */
export interface InteractionRecord {
  /** ms since the epoch */
  createdAt: number;
  /** A redirect sign-in's flow, stored for the page it returns to; absent while it is prepared, and for popups. */
  flow?: AuthCodeFlow;
  login?: boolean;
  appState?: string;
  /** An interaction of this page holds the tab (set by beginInteraction; a redirect's stored flow has none). */
  busy?: boolean;
}

const fresh = (r: InteractionRecord | null | undefined): r is InteractionRecord => !!r && Date.now() - r.createdAt < STALE_AFTER_MS;

/**
 * The transient state of one sign-in (PKCE verifier, state, nonce, requested scopes) lives in
 * sessionStorage: one timestamped entry per client and tab, from the start of an interaction to
 * its end. A client is its id at its authority: realms of one host often register the same id, and
 * one realm's client must not take (and redeem at its own issuer) the other's sign-in. This gives
 * a client's key, and removes every client's stale entries.
 */
export function interactionKey(clientId: string, authority: string): string {
  for (const key of interactionKeys()) if (!fresh(readInteraction(key))) clearInteraction(key);
  return `${PREFIX}${clientId} ${authority}`;
}

/**
 * Whether this page is a sign-in popup, any client's (its window name is the client's interaction
 * key, see browserPopup): the opener reads its URL and redeems the code, so no client here may.
 */
export const inPopup = () => !!window.opener && window.name.startsWith(PREFIX);

/** Every client's entry key in this tab (the app's own sessionStorage entries are never read). */
const interactionKeys = () => Object.keys(sessionStorage).filter((key) => key.startsWith(PREFIX));

/**
 * Whether a redirect sign-in stored in this tab sent `state`: a page of two clients (two apps of one
 * origin, one redirect URI) holds the response of the one that started it, which only it may read.
 * Every client's entry is looked at (43 random characters are no other's state).
 */
export const startedHere = (state: string) => interactionKeys().some((key) => readInteraction(key)?.flow?.state === state);

/** The entry under `key`: null when there is none, undefined when it is not JSON (not ours). */
export function readInteraction(key: string): InteractionRecord | null | undefined {
  try {
    return JSON.parse(sessionStorage.getItem(key)!);
  } catch {
    return undefined;
  }
}

/** Writes this tab's entry. */
export function saveInteraction(key: string, record: InteractionRecord): void {
  sessionStorage.setItem(key, JSON.stringify(record));
}

/** Ends the interaction: removes the entry. */
export function clearInteraction(key: string): void {
  sessionStorage.removeItem(key);
}

/** Claims the tab for a new interaction, synchronously; `interaction_in_progress` if one runs. */
export function beginInteraction(key: string): void {
  const current = readInteraction(key);
  // Only a claim (`busy`) refuses: a redirect's flow in a page that is still here is no longer under
  // way (the user called it off with "Stay on page" when the app asked before leaving, or the page
  // came back from the back-forward cache). The flow is kept, in case its page is leaving now,
  // until the new interaction stores its own.
  if (fresh(current) && current.busy) throw new BrowserAuthError('interaction_in_progress', 'A sign-in is already in progress in this tab');
  saveInteraction(key, { ...current, createdAt: Date.now(), busy: true });
}
