import { type AuthenticationResult, type ClientApplicationOptions, type DeviceCodeFlow, PublicClientApplication } from '@tessera/core';
import { acquireTokenByDeviceCode } from '../device-code.js';
import type { CredentialRequest } from './credential-base.js';
import { DEVELOPER_SIGN_ON_CLIENT_ID, checkDefaultClientId } from './defaults.js';
import { InteractiveCredential, type InteractiveCredentialOptions } from './user-credential.js';

/** What the user needs to approve the sign-in on another device. */
export interface DeviceCodeInfo {
  /** The code the user types. */
  userCode: string;
  /** Where the user types it. */
  verificationUri: string;
  /** The authority's instructions, ready to show. */
  message: string;
  /** When the code stops working. */
  expiresOn: Date;
}

export interface DeviceCodeCredentialOptions extends InteractiveCredentialOptions {
  /** Default "organizations" on Entra; ignored for a generic OpenID Connect `authority`. */
  tenantId?: string;
  /** Default: the Azure CLI's client id (Entra only). */
  clientId?: string;
  /** Shows the code to the user; polling starts when it returns. Default: prints the message to stderr, cleaned of terminal control sequences. */
  userPromptCallback?: (info: DeviceCodeInfo) => void | Promise<void>;
}

/** Signs a user in with the device code flow (RFC 8628): for machines without a browser. */
export class DeviceCodeCredential extends InteractiveCredential<PublicClientApplication> {
  protected readonly credentialName = 'DeviceCodeCredential';
  private readonly prompt?: (info: DeviceCodeInfo) => void | Promise<void>;

  constructor(options: DeviceCodeCredentialOptions = {}) {
    super(options.clientId ?? DEVELOPER_SIGN_ON_CLIENT_ID, options.tenantId, options);
    checkDefaultClientId(this.credentialName, options.clientId, this.authority);
    this.prompt = options.userPromptCallback;
  }

  protected createApp(options: ClientApplicationOptions): PublicClientApplication {
    return new PublicClientApplication(options);
  }

  protected interact(app: PublicClientApplication, request: CredentialRequest): Promise<AuthenticationResult> {
    const prompt = this.prompt;
    return acquireTokenByDeviceCode(app, {
      scopes: request.scopes,
      claims: request.claims,
      tenant: request.tenant,
      signal: request.signal,
      // Without a callback the helper's default prompt (stderr) applies.
      onPrompt: prompt ? (flow: DeviceCodeFlow) => prompt(deviceCodeInfo(flow)) : undefined,
    });
  }
}

function deviceCodeInfo(flow: DeviceCodeFlow): DeviceCodeInfo {
  return { userCode: flow.userCode, verificationUri: flow.verificationUri, message: flow.message, expiresOn: new Date(flow.expiresAt) };
}
