import { AbortError, type DeviceCodeFlow, PublicClientApplication } from '@tessera/core';
import { approveDeviceCode } from '@tessera/dev-authority';
import { describe, expect, it, vi } from 'vitest';
import { NodePublicClientApplication, acquireTokenByDeviceCode } from '../src/index.js';
import { useDevAuthority } from '../../core/test/helpers.js';
import { CONTROL, startHostileProvider } from './support/hostile-device-provider.js';

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

  /** What the default prompt writes to stderr for a device flow at `authority` (the flow is then abandoned). */
  async function defaultPrompt(clientId: string, authority: string): Promise<string> {
    const app = new NodePublicClientApplication({ clientId, authority });
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const controller = new AbortController();
    try {
      const pending = app.acquireTokenByDeviceCode({ scopes: ['api.read'], signal: controller.signal });
      await vi.waitFor(() => expect(write).toHaveBeenCalled());
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      return String(write.mock.calls[0]![0]);
    } finally {
      write.mockRestore();
    }
  }

  it('prints the provider message to stderr by default', async () => {
    expect(await defaultPrompt(idp.current.clients.native.clientId, idp.current.issuer)).toMatch(/^To sign in, .*\/device.* enter the code \S+\n$/);
  });

  it("prints a hostile provider's message without its terminal control sequences", async () => {
    const stub = await startHostileProvider('device-client');
    try {
      const printed = await defaultPrompt('device-client', stub.issuer);
      expect(printed).toContain('and enter the code CODEhiddenevil'); // the message is shown ...
      expect(printed).not.toMatch(CONTROL); // ... without a control sequence (title, clipboard, clear screen)
      expect(printed).not.toContain(']52;');
    } finally {
      stub.server.close();
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
    const polls = idp.current.countRequests({ grantType: 'urn:ietf:params:oauth:grant-type:device_code' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(idp.current.countRequests({ grantType: 'urn:ietf:params:oauth:grant-type:device_code' })).toBe(polls);
  });
});
