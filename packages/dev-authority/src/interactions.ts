import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from 'oidc-provider';
import { isPasswordAccepted, subjectFor } from './accounts.js';
import { consentPage, loginPage } from './pages.js';

// Minimal login/consent interactions (instead of devInteractions) so the login form can
// check the rejected password and the HTTP driver has stable forms to submit.

export const INTERACTION_PREFIX = '/interaction/';

/** A request below a path issuer's mount point (`/realms/a`): `url` is the path below it, `baseUrl` the mount point. */
export type MountedRequest = IncomingMessage & { baseUrl?: string };

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

/** Handles `/interaction/:uid[/login|/confirm|/abort]`; the provider handles everything else. */
export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  subject: (username: string) => string = subjectFor,
  acr?: string,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const [, action = ''] = path.slice(INTERACTION_PREFIX.length).split('/');
  // Under a path issuer (/realms/a, see server.ts) the forms post back below its path.
  const prefix = `${(req as MountedRequest).baseUrl ?? ''}${INTERACTION_PREFIX}`;
  try {
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id ?? '');

    if (req.method === 'GET' && action === '') {
      if (details.prompt.name === 'login') return sendHtml(res, 200, loginPage(details.uid, clientId, undefined, prefix));
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return sendHtml(res, 200, consentPage(details.uid, clientId, missing, prefix));
    }

    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const username = form.get('username')?.trim() ?? '';
      if (!username || !isPasswordAccepted(form.get('password') ?? '')) {
        return sendHtml(res, 401, loginPage(details.uid, clientId, 'Invalid username or password.', prefix));
      }
      // The session's acr goes into the code, refresh tokens and ID tokens (DevAuthorityOptions.acr).
      const result = { login: { accountId: subject(username), acr } };
      return await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }

    if (req.method === 'POST' && action === 'confirm') {
      return await provider.interactionFinished(req, res, { consent: { grantId: await grantConsent(provider, details) } });
    }

    if (action === 'abort') {
      const result = { error: 'access_denied', error_description: 'End-User denied the request' };
      return await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }

    sendHtml(res, 404, 'not found');
  } catch (error) {
    // Typically an expired or unknown interaction (missing cookie).
    sendHtml(res, 400, `interaction failed: ${(error as Error).message}`);
  }
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Grants everything the consent prompt found missing (scopes, claims, resource scopes). */
async function grantConsent(provider: Provider, details: Details): Promise<string> {
  const { prompt, grantId, session, params } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
  if (!grant) throw new Error('grant not found');

  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}
