/**
 * Runs `work` under the Web Lock `name`: one holder at a time across this origin's tabs. Without
 * Web Locks (Safari before 15.4, outside secure contexts) it runs at once, unserialized.
 */
export function withWebLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks;
  return locks ? (locks.request(name, work) as Promise<T>) : work();
}
