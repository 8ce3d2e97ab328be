import { type DeviceCodeFlow, acquireTokenByDeviceFlow, initiateDeviceFlow } from '../flows/device-code.js';
import type { RequestOptions } from '../flows/context.js';
import type { AuthenticationResult } from '../results.js';
import { ClientApplication, type ClientApplicationOptions } from './client-application.js';

/** Apps that cannot keep a secret: desktop, mobile, CLI, single-page apps. */
export class PublicClientApplication extends ClientApplication {
  constructor(options: ClientApplicationOptions) {
    super(options);
  }

  /** Starts the device code flow: show `flow.message` to the user. */
  initiateDeviceFlow(options: RequestOptions & { scopes: string | string[] }): Promise<DeviceCodeFlow> {
    return this.call(options, (ctx) => initiateDeviceFlow(ctx, this.authorityFor(options), options));
  }

  /** Polls until the user approves, denies, or the code expires; stops when `signal` aborts. */
  acquireTokenByDeviceFlow(flow: DeviceCodeFlow, options: RequestOptions = {}): Promise<AuthenticationResult> {
    return this.call({ correlationId: options.correlationId ?? flow.correlationId }, (ctx) => acquireTokenByDeviceFlow(ctx, this.authorityFor(options), flow, options));
  }
}
