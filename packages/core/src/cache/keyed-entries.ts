import { type SectionName, keyOf } from './schema.js';

/**
 * A stored entity. Its cache key is kept only when it cannot be worked out again from the entity
 * (memory: keys are a fifth of a cache): 0 means `keyOf(entity)`, 1 the same without its last
 * `-` (the 6-part keys of MSAL Python and older msal-node). Entities are never changed in place,
 * so a key worked out again is the key the entity was stored under.
 */
export interface StoredEntry {
  section: SectionName;
  key: string | 0 | 1;
  entity: unknown;
  /** An access token's lower-cased scopes, once looked up. */
  scopes?: ReadonlySet<string>;
  /** An ID token's issuer, once looked up (see token-cache.ts › issuerOf). */
  issuer?: string;
}

/** How `key` is kept for an entity stored under it (see StoredEntry). */
export function compactKey(section: SectionName, key: string, entity: unknown): string | 0 | 1 {
  const ours = keyOf(section, entity);
  if (key === ours) return 0;
  return ours.endsWith('-') && key === ours.slice(0, -1) ? 1 : key;
}

/** The key an entry is stored under. */
export function keyOfEntry(entry: StoredEntry): string {
  if (typeof entry.key === 'string') return entry.key;
  const ours = keyOf(entry.section, entry.entity);
  return entry.key === 0 ? ours : ours.slice(0, -1);
}

/** FNV-1a: a 32-bit hash of a key, so the map holds numbers instead of key strings. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

/** The entries of one section by key, without keeping the keys themselves (see StoredEntry). */
export class KeyedEntries implements Iterable<StoredEntry> {
  readonly #byHash = new Map<number, StoredEntry | StoredEntry[]>();
  /** The number of entries. */
  size = 0;

  /** The entries whose keys share `key`'s hash. */
  #at(h: number): StoredEntry[] {
    const found = this.#byHash.get(h) ?? [];
    return Array.isArray(found) ? found : [found];
  }

  /** Files the entries of a hash (one without an array: memory). */
  #set(h: number, all: StoredEntry[]): void {
    if (all.length) this.#byHash.set(h, all.length > 1 ? all : all[0]!);
    else this.#byHash.delete(h);
  }

  get(key: string): StoredEntry | undefined {
    return this.#at(hash(key)).find((e) => keyOfEntry(e) === key);
  }

  /** Adds an entry under a key that holds none (callers delete first). */
  add(key: string, entry: StoredEntry): void {
    const h = hash(key);
    this.#set(h, [...this.#at(h), entry]);
    this.size++;
  }

  /** Removes and returns the entry stored under `key`. */
  delete(key: string): StoredEntry | undefined {
    const h = hash(key);
    const all = this.#at(h);
    const entry = all.find((e) => keyOfEntry(e) === key);
    if (entry) {
      this.#set(h, all.filter((e) => e !== entry));
      this.size--;
    }
    return entry;
  }

  clear(): void {
    this.#byHash.clear();
    this.size = 0;
  }

  *[Symbol.iterator](): Iterator<StoredEntry> {
    for (const value of this.#byHash.values()) yield* Array.isArray(value) ? value : [value];
  }
}
