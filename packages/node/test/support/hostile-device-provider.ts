// A device-code provider on loopback whose every text field carries terminal control sequences
// (no real provider sends them): for the tests that server text reaches a terminal clean.
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Clear screen, window title, OSC 52 clipboard write, hidden text, 8-bit CSI, bidi override, CR. */
export const HOSTILE = '\x1b]0;pwned-title\x07\x1b[2J\x1b[8mhidden\x1b[0m\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m\u202Eevil\u2066\r\x00';
/** Anything that is terminal control: every C0 but tab and newline, DEL, C1, bidi controls. */
export const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface Stub {
  issuer: string;
  server: Server;
  /** Whether the device authorization response has a `message` (else the CLI shows user_code and verification_uri). */
  withMessage: boolean;
  /** What the token endpoint answers next. */
  token: { accessToken?: string; error?: { error: string; error_description: string } };
}

/** A device-code provider on loopback whose every text field carries terminal control sequences. */
export async function startHostileProvider(clientId: string): Promise<Stub> {
  const stub = { token: {}, withMessage: true } as Stub;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  stub.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const path = new URL(req.url ?? '/', stub.issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: stub.issuer,
        authorization_endpoint: `${stub.issuer}/auth`,
        token_endpoint: `${stub.issuer}/token`,
        device_authorization_endpoint: `${stub.issuer}/device/code`,
      });
    }
    if (path === '/device/code') {
      return json(res, 200, {
        device_code: 'dc',
        user_code: `CODE${HOSTILE}`,
        verification_uri: `${stub.issuer}/device?${encodeURIComponent(HOSTILE)}`,
        ...(stub.withMessage ? { message: `Go to ${stub.issuer}/device ${HOSTILE} and enter the code CODE${HOSTILE}` } : {}),
        expires_in: 600,
        interval: 1,
      });
    }
    if (path === '/token') {
      if (stub.token.error) return json(res, 400, stub.token.error);
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: stub.issuer, aud: clientId, sub: 'subject-1', preferred_username: `user${HOSTILE}`, iat: now, exp: now + 3600 };
      return json(res, 200, {
        access_token: stub.token.accessToken,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'api.read openid profile offline_access',
        refresh_token: 'rt',
        id_token: `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}.c2ln`,
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
  stub.issuer = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
  return stub;
}

