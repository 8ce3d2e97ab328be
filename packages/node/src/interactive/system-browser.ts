import { TesseraError } from '@tessera/core';

/**
 * Opens the URL in the user's default browser with `open` (sindresorhus/open): it knows each
 * platform's launcher (xdg-open, WSL, macOS `open`, Windows `start`) and never goes through a shell.
 */
export async function openSystemBrowser(url: string): Promise<void> {
  // Loaded on first use only: apps that never sign in interactively never load it.
  const { default: open } = await import('open');
  try {
    await open(url);
  } catch (error) {
    throw new TesseraError(
      'browser_unavailable',
      `Could not open a browser (${(error as Error).message}): pass \`openBrowser\`, or use the device code flow`,
      { cause: error },
    );
  }
}
