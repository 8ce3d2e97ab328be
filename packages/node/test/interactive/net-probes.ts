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

/** The loopback port of the redirect_uri in an authorization URL. */
export function redirectPort(authorizationUrl: string): number {
  return Number(new URL(new URL(authorizationUrl).searchParams.get('redirect_uri')!).port);
}
