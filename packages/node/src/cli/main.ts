import { readFile } from 'node:fs/promises';
import { type CliArgs, HELP, commandHelp, parseCliArgs } from './args.js';
import { commands } from './commands.js';
import { ExitCode, describeError, exitCodeFor, usageError } from './errors.js';
import { type CliIo, commandIo } from './io.js';
import { openSession, resolveTarget } from './session.js';

/** Runs one `tessera` command; resolves to the process exit code. Never throws. */
export async function runCli(argv: string[], processIo: CliIo): Promise<number> {
  // Everything below writes through `io`: server text reaches the terminal only cleaned.
  const io = commandIo(processIo);
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  let args: CliArgs | undefined;
  try {
    args = parseCliArgs(argv);
    verbose = args.verbose;
    if (args.version) {
      io.stdout.write(`${await version()}\n`);
      return ExitCode.ok;
    }
    if (args.help) {
      io.stdout.write(`${args.command ? commandHelp(args.command) : HELP}\n`);
      return ExitCode.ok;
    }
    if (!args.command) {
      io.stderr.write(`${HELP}\n`);
      return ExitCode.usage;
    }
    const command = commands[args.command];
    command.check?.(args);
    const target = resolveTarget(args, io.env);
    if (target.embedded && !command.embedded) {
      throw usageError(`--dev-authority works only with \`tessera token\`: the development authority keeps nothing for \`tessera ${args.command}\` to use`);
    }
    const session = await openSession(target, io.stderr);
    try {
      await command.run(session, args, io);
    } finally {
      await session.close();
    }
    return ExitCode.ok;
  } catch (error) {
    const authority = args?.authority ?? (io.env.TESSERA_AUTHORITY || undefined);
    io.stderr.write(`${describeError(error, verbose, { authority, port: args?.port, portFlag: args?.portFlag, timeoutFlag: args?.timeoutFlag })}\n`);
    return exitCodeFor(error);
  }
}

/** The version of @tessera/node: its package.json is next to `dist/` (built) or `src/` (from source). */
async function version(): Promise<string> {
  for (const path of ['../package.json', '../../package.json', '../../../package.json']) {
    const text = await readFile(new URL(path, import.meta.url), 'utf8').catch(() => undefined);
    const pkg = text === undefined ? undefined : (JSON.parse(text) as { name?: string; version?: string });
    if (pkg?.name === '@tessera/node' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
