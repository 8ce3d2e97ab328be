// Versions of the libraries measured, read from their own package.json as installed for this package.
import { readFileSync } from 'node:fs';

export function versionOf(packageName) {
  try {
    const url = new URL(`../node_modules/${packageName}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')).version;
  } catch {
    return undefined;
  }
}
