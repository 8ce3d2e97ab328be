#!/usr/bin/env node
// Runs the dev authority until Ctrl-C: `pnpm dev-authority [--port 4000]` or TESSERA_DEV_PORT=4000.
import { DEV_PASSWORD_REJECTED, startDevAuthority } from './index.js';

function parsePort(argv: string[], env: NodeJS.ProcessEnv): number {
  const flag = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = flag < 0 ? env.TESSERA_DEV_PORT : argv[flag]!.includes('=') ? argv[flag]!.split('=')[1] : argv[flag + 1];
  const port = Number(raw ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${raw}`);
  return port;
}

async function main(): Promise<void> {
  const authority = await startDevAuthority({ port: parsePort(process.argv.slice(2), process.env) });
  const { spa, native, confidential, privateKeyJwt } = authority.clients;
  console.log(`Tessera dev authority (DEVELOPMENT ONLY) listening
  issuer:                 ${authority.issuer}
  discovery:              ${authority.issuer}/.well-known/openid-configuration
  spa client:             ${spa.clientId}  (redirects: ${spa.redirectUris.join(', ')})
  native client:          ${native.clientId}  (any loopback port)
  confidential client:    ${confidential.clientId}
  client secret:          ${confidential.clientSecret}  (development-only value, publicly known)
  private_key_jwt client: ${privateKeyJwt.clientId}  (cert SHA-1 ${privateKeyJwt.thumbprint})
  users:                  any username/password; the password "${DEV_PASSWORD_REJECTED}" is rejected
Press Ctrl-C to stop.`);

  const stop = () => {
    void authority.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
