import type { AuthCodeFlow } from '@tessera/core';
import { BrowserAuthError } from './errors.js';

const PREFIX = 'tessera.interaction.';
/**
 * Entries older than this belong to abandoned interactions (a closed tab, the back button) and are
 * removed, and a claim of the tab (an interaction in progress) no longer holds it; a stored redirect
 * flow is kept longer (`FLOW_STALE_AFTER_MS`).
 */
export const STALE_AFTER_MS = 10 * 60 * 1000;
/** A redirect sign-in's stored flow (PKCE verifier, state, nonce) is removed when older than this. */
export const FLOW_STALE_AFTER_MS = 60 * 60 * 1000;

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

// A redirect flow waits for its user at the provider, who may take long there (a sign-up with e-mail
// verification, MFA enrolment, a password reset); a claim (`lock`) must not hold the tab that long.
const fresh = (r: InteractionRecord | null | undefined, lock?: boolean): r is InteractionRecord =>
  !!r && Date.now() - r.createdAt < (r.flow && !lock ? FLOW_STALE_AFTER_MS : STALE_AFTER_MS);

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
 * Only a page of this origin is such an opener: another site can open the app in a window of that
 * name, where the app's own redirect sign-ins must still complete. (Reading a cross-origin
 * opener's `origin` throws.)
 */
export function inPopup(): boolean {
  try {
    return window.name.startsWith(PREFIX) && window.opener?.origin === location.origin;
  } catch {
    return false;
  }
}

/**
 * This tab's sessionStorage; none where the browser denies the page storage (reading `sessionStorage`
 * throws a SecurityError when site data is blocked, e.g. "block all cookies", or in a sandboxed
 * iframe): then there is no entry to read or remove (a client is made, handleRedirect finds no
 * response of ours), and a sign-in, which must store one, is `storage_unavailable` (saveInteraction).
 */
export function session(): Storage | undefined {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
}

/** Every client's entry key in this tab (the app's own sessionStorage entries are never read). */
const interactionKeys = () => Object.keys(session() ?? {}).filter((key) => key.startsWith(PREFIX));

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

/** Writes this tab's entry; `storage_unavailable` when sessionStorage is denied (see session) or full. */
export function saveInteraction(key: string, record: InteractionRecord): void {
  try {
    sessionStorage.setItem(key, JSON.stringify(record));
  } catch {
    throw new BrowserAuthError('storage_unavailable', `sessionStorage blocked or full: allow cookies and site data for ${location.origin}`);
  }
}

/** Ends the interaction: removes the entry. */
export function clearInteraction(key: string): void {
  session()?.removeItem(key);
}

/** Claims the tab for a new interaction, synchronously; `interaction_in_progress` if one runs. */
export function beginInteraction(key: string): void {
  const current = readInteraction(key);
  // Only a claim (`busy`) refuses: a redirect's flow in a page that is still here is no longer under
  // way (the user called it off with "Stay on page" when the app asked before leaving, or the page
  // came back from the back-forward cache). The flow is kept, in case its page is leaving now,
  // until the new interaction stores its own.
  if (fresh(current, true) && current.busy) throw new BrowserAuthError('interaction_in_progress', 'A sign-in is already in progress in this tab');
  saveInteraction(key, { ...current, createdAt: Date.now(), busy: true });
}
