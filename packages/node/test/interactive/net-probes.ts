import { connect } from 'node:net';

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
