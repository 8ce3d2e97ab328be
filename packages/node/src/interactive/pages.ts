// The page the browser shows after the redirect; the user goes back to the app from there.

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A minimal HTML page with a title and one paragraph, both escaped. */
export function plainPage(title: string, text: string): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}

export const DEFAULT_SUCCESS_PAGE = plainPage('Signed in', 'You are signed in. You can close this window and return to the application.');

/** Only the error code and the server's description: never the code, state or tokens. */
export function defaultFailurePage(error: unknown): string {
  const e = error as { error?: string; code?: string; errorDescription?: string; message?: string };
  const label = e.error ?? e.code;
  const detail = e.errorDescription ?? e.message ?? String(error);
  return plainPage('Sign-in failed', `${label ? `${label}: ` : ''}${detail}. Return to the application for details.`);
}
