import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortError, type DeviceCodeFlow, PublicClientApplication } from '@tessera/core';
import { approveDeviceCode } from '@tessera/dev-authority';
import { describe, expect, it, vi } from 'vitest';
import { DeviceCodeCredential, NodePublicClientApplication, acquireTokenByDeviceCode } from '../src/index.js';
import { useDevAuthority } from '../../core/test/helpers.js';

describe('acquireTokenByDeviceCode', () => {
  const idp = useDevAuthority();

  it('prompts, then polls until the user approves', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const prompts: DeviceCodeFlow[] = [];
    const result = await acquireTokenByDeviceCode(app, {
      scopes: ['api.read'],
      onPrompt: async (flow) => {
        prompts.push(flow);
        flow.interval = 0.2; // the dev authority would have us wait 5 s
        await approveDeviceCode(idp.current.issuer, flow.userCode, { username: 'device-user' });
      },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]!.message).toContain(prompts[0]!.userCode);
    expect(result.account?.username).toBe('device-user');
  });

  it('prints the provider message to stderr by default', async () => {
    const app = new NodePublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const controller = new AbortController();
    try {
      const pending = app.acquireTokenByDeviceCode({ scopes: ['api.read'], signal: controller.signal });
      await vi.waitFor(() => expect(write).toHaveBeenCalled());
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      expect(String(write.mock.calls[0]![0])).toMatch(/^To sign in, .*\/device.* enter the code \S+\n$/);
    } finally {
      write.mockRestore();
    }
  });

  it('stops polling when aborted', async () => {
    const app = new PublicClientApplication({ clientId: idp.current.clients.native.clientId, authority: idp.current.issuer });
    const controller = new AbortController();
    idp.current.clearRequests();
    const pending = acquireTokenByDeviceCode(app, {
      scopes: ['api.read'],
      signal: controller.signal,
      onPrompt: (flow) => {
        flow.interval = 0.1;
        setTimeout(() => controller.abort(), 350);
      },
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    const polls = () => idp.current.countRequests({ grantType: 'urn:ietf:params:oauth:grant-type:device_code' });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // A poll already sent when the abort fired may reach the server after it (a loaded machine):
    // let it land, then no further poll may come (polling on would add about 4 in 400 ms).
    await sleep(300);
    const settled = polls();
    expect(settled).toBeGreaterThan(0);
    await sleep(400);
    expect(polls()).toBe(settled);
  });
});

// No real provider sends terminal control in its device message; a stub on loopback does. The
// default prompts write to the user's terminal, so they must clean it as the CLI does.
describe('the default device code prompt under a hostile provider', () => {
  /** Clear screen, window title, OSC 52 clipboard write, hidden text, 8-bit CSI, bidi override, CR. */
  const HOSTILE = '\x1b]0;pwned-title\x07\x1b[2J\x1b[8mhidden\x1b[0m\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m\u202Eevil\u2066\r\x00';
  const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  async function hostileProvider(): Promise<{ issuer: string; close(): void }> {
    let issuer = '';
    const server = createServer((req, res) => {
      req.resume();
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/openid-configuration') {
        return json(200, { issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, device_authorization_endpoint: `${issuer}/device/code` });
      }
      if (req.url === '/device/code') {
        return json(200, {
          device_code: 'dc',
          user_code: `CODE${HOSTILE}`,
          verification_uri: `${issuer}/device`,
          message: `Go to ${issuer}/device ${HOSTILE} and enter the code CODE${HOSTILE}`,
          expires_in: 600,
          interval: 60,
        });
      }
      json(400, { error: 'authorization_pending' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { issuer, close: () => server.close() };
  }

  /** What the default prompt writes to stderr before polling (the call is then aborted). */
  async function promptOf(start: (issuer: string, signal: AbortSignal) => Promise<unknown>): Promise<string> {
    const provider = await hostileProvider();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const controller = new AbortController();
    try {
      const pending = start(provider.issuer, controller.signal);
      await vi.waitFor(() => expect(write).toHaveBeenCalled());
      controller.abort();
      await pending.catch(() => undefined);
      return write.mock.calls.map((call) => String(call[0])).join('');
    } finally {
      write.mockRestore();
      provider.close();
    }
  }

  it('acquireTokenByDeviceCode prints the message without escape sequences, controls or bidi overrides', async () => {
    const printed = await promptOf((issuer, signal) =>
      acquireTokenByDeviceCode(new PublicClientApplication({ clientId: 'c', authority: issuer }), { scopes: ['api.read'], signal }),
    );
    expect(printed).toContain('enter the code CODE');
    expect(printed).toContain('hidden'); // text hidden by SGR 8 is shown, not dropped
    expect(printed).not.toMatch(CONTROL);
    expect(printed.endsWith('\n')).toBe(true);
  });

  it('DeviceCodeCredential without userPromptCallback prints it cleaned too', async () => {
    const printed = await promptOf((issuer, signal) =>
      new DeviceCodeCredential({ authority: issuer, clientId: 'c' }).getToken('api.read', { abortSignal: signal }),
    );
    expect(printed).toContain('enter the code CODE');
    expect(printed).not.toMatch(CONTROL);
  });
});
