import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { DEV_PASSWORD_REJECTED } from './accounts.js';

// Plain, dependency-free pages with stable form ids so the HTTP login driver can submit them.
// Replacing oidc-provider's default sources also keeps its "you SHOULD change" notices quiet.

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
<p><small>Tessera dev authority: development only.</small></p>
</body></html>`;
}

export function loginPage(uid: string, clientId: string, error?: string, prefix = '/interaction/'): string {
  return page(
    'Sign in',
    `<p>Client <code>${escapeHtml(clientId)}</code>. Any username and password work, except the password
<code>${DEV_PASSWORD_REJECTED}</code>.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form id="login-form" method="post" action="${escapeHtml(prefix)}${escapeHtml(uid)}/login">
  <input type="text" name="username" placeholder="username" autofocus required>
  <input type="password" name="password" placeholder="password">
  <button type="submit">Sign in</button>
</form>
<form id="abort-form" method="post" action="${escapeHtml(prefix)}${escapeHtml(uid)}/abort"><button type="submit">Cancel</button></form>`,
  );
}

export function consentPage(uid: string, clientId: string, scopes: string[], prefix = '/interaction/'): string {
  return page(
    'Authorize',
    `<p>Client <code>${escapeHtml(clientId)}</code> asks for: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') || '(no new scopes)'}</p>
<form id="consent-form" method="post" action="${escapeHtml(prefix)}${escapeHtml(uid)}/confirm"><button type="submit" autofocus>Allow</button></form>
<form id="abort-form" method="post" action="${escapeHtml(prefix)}${escapeHtml(uid)}/abort"><button type="submit">Deny</button></form>`,
  );
}

/** `features.deviceFlow.userCodeInputSource`: `form` already holds the xsrf field. */
export async function userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out?: unknown, err?: Error): Promise<void> {
  const message = err ? `<p class="error" data-error="${escapeHtml(err.name)}">${escapeHtml(err.message)}</p>` : '';
  ctx.body = page('Enter device code', `${message}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
}

/** `features.deviceFlow.userCodeConfirmSource`: Continue confirms, Abort denies. */
export async function userCodeConfirmSource(ctx: KoaContextWithOIDC, form: string, _client: unknown, _info: unknown, userCode: string): Promise<void> {
  ctx.body = page(
    'Confirm device',
    `<p>Code <code>${escapeHtml(userCode)}</code></p>${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
  );
}

export async function deviceSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.body = page('Device signed in', '<p id="device-success">You can close this page.</p>');
}

export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.body = page(
    'Sign out',
    `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.body = page('Signed out', '<p id="logout-success">You are signed out.</p>');
}

export async function renderError(ctx: KoaContextWithOIDC, out: ErrorOut): Promise<void> {
  ctx.type = 'html';
  const rows = Object.entries(out).map(([k, v]) => `<pre data-${escapeHtml(k)}="${escapeHtml(v)}">${escapeHtml(k)}: ${escapeHtml(v)}</pre>`);
  ctx.body = page('Error', rows.join('\n'));
}
