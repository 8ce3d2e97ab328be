import { parseArgs } from 'node:util';
import { usageError } from './errors.js';

export const COMMANDS = ['login', 'token', 'accounts', 'logout'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command?: Command;
  help: boolean;
  verbose: boolean;
  authority?: string;
  clientId?: string;
  scopes: string[];
  username?: string;
  output?: string;
  device: boolean;
  /** login: print the sign-in URL instead of opening a browser (--no-browser). */
  browser: boolean;
  port?: number;
  timeoutSeconds?: number;
  pollIntervalSeconds?: number;
  cacheFile?: string;
  all: boolean;
}

export const HELP = `Usage: tessera <command> [options]

Get OAuth 2.0 / OpenID Connect tokens in a shell.

Commands:
  login        Sign in: in the browser, or with --device on another device
  token        Print an access token for --scope, from the cache (refreshed when needed)
  accounts     List the signed-in accounts
  logout       Sign out: remove an account and its tokens from the cache

Options:
      --authority <url>      OpenID Connect issuer or Entra authority       [env TESSERA_AUTHORITY]
      --client-id <id>       Public client id registered at the authority    [env TESSERA_CLIENT_ID]
  -s, --scope <scope>        Scope to request; repeat it or separate scopes with spaces
  -u, --username <name>      Account to use (token, logout); login hint (login)
  -o, --output <format>      token: bare (default), json or header; accounts: text (default) or json
      --device               login: use the device code flow instead of the browser
      --no-browser           login: print the sign-in URL instead of opening a browser (SSH, containers)
      --port <n>             login: loopback port for the browser redirect (default: any free port)
      --timeout <seconds>    login: how long to wait for the browser (default 300)
      --poll-interval <s>    login --device: poll every <s> seconds instead of the authority's interval
      --cache-file <path>    Token cache file (default ~/.tessera/tessera.cache.json) [env TESSERA_CACHE_FILE]
      --all                  logout: sign out every account
  -v, --verbose              Show error details
  -h, --help                 Show this help

With neither --authority nor TESSERA_AUTHORITY, \`tessera token\` starts an embedded development
authority for that one command, signs in as a development user and prints a token: nothing is kept.

Exit codes: 0 ok, 1 error, 2 usage, 3 not signed in or sign-in required, 130 interrupted.`;

const OPTIONS = {
  authority: { type: 'string' },
  'client-id': { type: 'string' },
  scope: { type: 'string', short: 's', multiple: true },
  username: { type: 'string', short: 'u' },
  output: { type: 'string', short: 'o' },
  device: { type: 'boolean' },
  // A plain option named 'no-browser': Node 20's parseArgs may not know allowNegative.
  'no-browser': { type: 'boolean' },
  port: { type: 'string' },
  timeout: { type: 'string' },
  'poll-interval': { type: 'string' },
  'cache-file': { type: 'string' },
  all: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages go on with advice about `--`; the first sentence is the useful part.
    throw usageError((error as Error).message.split('. ')[0]!);
  }
  const { values, positionals } = parsed;
  const [name, ...extra] = positionals;
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
  if (name !== undefined && !(COMMANDS as readonly string[]).includes(name)) throw usageError(`unknown command "${name}"`);
  return {
    command: name as Command | undefined,
    help: values.help ?? false,
    verbose: values.verbose ?? false,
    authority: values.authority,
    clientId: values['client-id'],
    scopes: (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean),
    username: values.username,
    output: values.output,
    device: values.device ?? false,
    browser: !(values['no-browser'] ?? false),
    port: number('--port', values.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
    timeoutSeconds: number('--timeout', values.timeout, (n) => n > 0),
    pollIntervalSeconds: number('--poll-interval', values['poll-interval'], (n) => n > 0),
    cacheFile: values['cache-file'],
    all: values.all ?? false,
  };
}

function number(flag: string, raw: string | undefined, valid: (n: number) => boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !valid(n)) throw usageError(`${flag} got an invalid value "${raw}"`);
  return n;
}
