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

/** Why `exportName` of `packageName` cannot be benchmarked yet (undefined when it can). */
export async function missingExport(packageName, exportName) {
  try {
    const mod = await import(packageName);
    return mod[exportName] ? undefined : `${packageName} does not export ${exportName} yet`;
  } catch (error) {
    return `${packageName} cannot be imported (${error.code ?? error.message})`;
  }
}
