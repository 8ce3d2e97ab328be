import { withQuery } from '@tessera/core';
import { lstat, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { nodeFs } from '../../node-builtins.js';
import type { TokenAnswer } from '../answers.js';
import { AuthenticationError } from '../errors.js';
import { type ManagedIdentitySource, type SourceContext, endpointFrom, send, tokenFrom, userAssignedParam } from './source.js';

/** The api-version of Azure Arc token requests (MSAL's). */
export const AZURE_ARC_API_VERSION = '2020-06-01';
const DEFAULT_ENDPOINT = 'http://127.0.0.1:40342/metadata/identity/oauth2/token';
/** The agent's secret files are tiny; anything larger is not one (MSAL's limit). */
export const ARC_SECRET_MAX_BYTES = 4096;

/** Where the Connected Machine agent writes its challenge files, per platform. */
export function defaultArcTokenDirectory(): string | undefined {
  if (process.platform === 'linux') return '/var/opt/azcmagent/tokens';
  if (process.platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'AzureConnectedMachineAgent', 'Tokens');
  return undefined;
}

function himdsInstalled(): boolean {
  const path = process.platform === 'win32' ? join(process.env.ProgramFiles ?? 'C:\\Program Files', 'AzureConnectedMachineAgent', 'himds.exe') : '/opt/azcmagent/bin/himds';
  return (process.platform === 'linux' || process.platform === 'win32') && nodeFs().existsSync(path);
}

/**
 * Azure Arc-enabled servers: `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT` (or an installed agent). The
 * first request is answered 401 with `WWW-Authenticate: Basic realm=<file>`; the file, which only
 * local administrators and the agent's group can read, holds the secret for the second request.
 * The file must be a `.key` file directly in the agent's token folder and at most 4096 bytes, so a
 * rogue local server cannot make us read and send any other file.
 */
export function azureArcSource(ctx: SourceContext, tokenDirectory: string | undefined): ManagedIdentitySource | undefined {
  const { IDENTITY_ENDPOINT, IMDS_ENDPOINT } = ctx.env;
  let endpoint: string;
  if (IDENTITY_ENDPOINT && IMDS_ENDPOINT) {
    endpoint = endpointFrom(ctx.env, 'IDENTITY_ENDPOINT', 'Azure Arc');
    endpointFrom(ctx.env, 'IMDS_ENDPOINT', 'Azure Arc');
  } else if (!IDENTITY_ENDPOINT && !IMDS_ENDPOINT && himdsInstalled()) {
    endpoint = DEFAULT_ENDPOINT;
  } else {
    return undefined;
  }
  return {
    name: 'Azure Arc',
    async getToken(resource, _scope, signal) {
      const selector = userAssignedParam(ctx.id, 'msi_res_id');
      const url = withQuery(endpoint, { 'api-version': AZURE_ARC_API_VERSION, resource, ...selector });
      const challenge = await send(ctx.http, 'Azure Arc', { method: 'GET', url, headers: { Metadata: 'true' }, signal });
      let secret = '';
      let response = challenge;
      if (challenge.status === 401) {
        secret = await readChallengeFile(challenge.headers['www-authenticate'], tokenDirectory);
        response = await send(ctx.http, 'Azure Arc', { method: 'GET', url, headers: { Metadata: 'true', Authorization: `Basic ${secret}` }, signal });
      }
      // A token without the challenge is checked for the identity too.
      const { answer, ...token } = await tokenFrom('Azure Arc', response, [secret]);
      await confirmIdentity(answer, selector);
      return token;
    },
  };
}

async function readChallengeFile(header: string | undefined, directory: string | undefined): Promise<string> {
  const fail = (message: string) => new AuthenticationError(`ManagedIdentityCredential (Azure Arc): ${message}`, { statusCode: 401, code: 'invalid_arc_challenge' });
  const { parseAnswer, arcChallengeSchema } = await import('../answers.js');
  const challenge = parseAnswer(arcChallengeSchema, header);
  if (!challenge.ok) throw fail(`the 401 answer's WWW-Authenticate header ${challenge.issue}`);
  const realm = challenge.data;
  if (!directory) throw fail(`Azure Arc is supported on Linux and Windows only, not ${process.platform}`);
  const name = basename(realm);
  if (!name.endsWith('.key')) throw fail(`the challenge file "${realm}" is not a .key file`);
  if (join(directory, name) !== realm) throw fail(`the challenge file "${realm}" is not in the agent's folder ${directory}`);
  let stats;
  try {
    stats = await lstat(realm);
  } catch (error) {
    throw fail(`the challenge file "${realm}" cannot be read: ${(error as Error).message}`);
  }
  if (!stats.isFile()) throw fail(`the challenge file "${realm}" is not a regular file`);
  if (stats.size > ARC_SECRET_MAX_BYTES) throw fail(`the challenge file "${realm}" is ${stats.size} bytes, more than the ${ARC_SECRET_MAX_BYTES} a secret may have`);
  try {
    return (await readFile(realm, 'utf8')).trim();
  } catch (error) {
    throw fail(`the challenge file "${realm}" cannot be read: ${(error as Error).message}`);
  }
}

/**
 * An agent without user-assigned support ignores the selector and returns the machine's own
 * identity; like MSAL, a token that does not echo the requested id is refused.
 */
async function confirmIdentity(answer: TokenAnswer, selector: Record<string, string>): Promise<void> {
  const [name, wanted] = Object.entries(selector)[0] ?? [];
  if (!name) return;
  const { parseAnswer, arcEchoSchema } = await import('../answers.js');
  const echo = parseAnswer(arcEchoSchema, answer);
  if (!echo.ok) throw new AuthenticationError(`ManagedIdentityCredential (Azure Arc): the answer is not a token: ${echo.issue}`, { code: 'invalid_response' });
  const fields = echo.data as Record<string, string | undefined>;
  // Either spelling of the resource id is accepted on the echo, as MSAL does.
  const got = fields[name] ?? (name === 'msi_res_id' ? fields.mi_res_id : undefined);
  if (!got || got.toLowerCase() !== wanted!.toLowerCase()) {
    throw new AuthenticationError(
      `ManagedIdentityCredential (Azure Arc): the agent did not confirm the user-assigned identity (${name}) in its answer; it may not support user-assigned identities and have returned the machine's own`,
      { code: 'user_assigned_not_confirmed' },
    );
  }
}
