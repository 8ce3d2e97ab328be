import type { AuthenticationResult, DeviceCodeFlow } from '@tessera/core';
import { acquireTokenByDeviceCode } from '../device-code.js';
import { acquireTokenInteractive } from '../interactive/acquire-token-interactive.js';
import { openSystemBrowser } from '../interactive/system-browser.js';
import type { CliArgs } from './args.js';
import type { CommandIo } from './io.js';
import type { Progress } from './progress.js';
import type { Session } from './session.js';

/**
 * Signs the user in: browser by default (--no-browser: the URL is printed, not opened), device code
 * with --device, automatically with the embedded authority.
 */
export async function signIn(session: Session, args: CliArgs, io: CommandIo): Promise<AuthenticationResult> {
  if (session.embedded || args.device) return deviceSignIn(session, args, io);
  let progress: Progress | undefined;
  try {
    return await acquireTokenInteractive(session.app, {
      scopes: args.scopes,
      loginHint: args.username,
      prompt: args.prompt,
      port: args.port,
      timeoutMs: args.timeoutSeconds === undefined ? undefined : args.timeoutSeconds * 1000,
      signal: io.signal,
      openBrowser: async (url) => {
        if (args.browser) {
          io.stderr.write(`Opening a browser to sign in. If none opens, go to:\n${url}\n`);
          // Headless machines have no browser: the URL above still works from another one.
          await openSystemBrowser(url).catch((error: Error) => io.stderr.write(`(${error.message})\n`));
        } else {
          // --no-browser: one line with a fixed prefix, easy to spot and to pick out with a script.
          io.stderr.write(`Open this URL to sign in: ${url}\n`);
        }
        progress = io.progress('Waiting for the sign-in to finish in the browser');
      },
    });
  } finally {
    progress?.stop();
  }
}

async function deviceSignIn(session: Session, args: CliArgs, io: CommandIo): Promise<AuthenticationResult> {
  const { embedded } = session;
  let progress: Progress | undefined;
  const onPrompt = async (flow: DeviceCodeFlow) => {
    if (embedded) {
      // Nobody to ask: the dev authority's login driver plays the user, before polling starts.
      const username = args.username ?? 'dev';
      io.stderr.write(`Embedded development authority at ${embedded.issuer}: signing in as "${username}"; nothing is kept after this command.\n`);
      await embedded.approve(flow.userCode, username);
      flow.interval = 0.1;
      return;
    }
    io.stderr.write(`${flow.message}\n`);
    if (args.pollIntervalSeconds !== undefined) flow.interval = args.pollIntervalSeconds;
    progress = io.progress('Waiting for you to approve the sign-in');
  };
  try {
    return await acquireTokenByDeviceCode(session.app, { scopes: args.scopes, signal: io.signal, onPrompt });
  } finally {
    progress?.stop();
  }
}
