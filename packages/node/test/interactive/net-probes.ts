import { connect } from 'node:net';
import { PublicClientApplication } from '@tessera/core';

/** Whether a TCP connection to host:port is refused (nothing listening there). */
export function isRefused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(true) : reject(error)));
  });
}

/** The loopback port: of the one-time start URL the browser is given, or of an authorization URL's redirect_uri. */
export function redirectPort(url: string): number {
  const redirectUri = new URL(url).searchParams.get('redirect_uri');
  return Number(new URL(redirectUri ?? url).port);
}

/** What a browser does first with the one-time start URL: fetch it (once) and read where it forwards to. */
export async function authorizationUrlOf(startUrl: string): Promise<string> {
  const response = await fetch(startUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`The start page answered ${response.status}, not a redirect`);
  return location;
}

/** An Entra client whose metadata is given inline: it never reaches the network before the browser step. */
export function offlineEntraApp(): PublicClientApplication {
  return new PublicClientApplication({
    clientId: '11111111-2222-3333-4444-555555555555',
    authority: 'https://login.microsoftonline.com/contoso.onmicrosoft.com',
    instanceDiscovery: false,
    authorityMetadata: JSON.stringify({
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      authorization_endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
      token_endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      jwks_uri: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/discovery/v2.0/keys',
    }),
  });
}
