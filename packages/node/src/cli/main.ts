import { HELP, parseCliArgs } from './args.js';
import { commands } from './commands.js';
import { ExitCode, describeError, exitCodeFor, usageError } from './errors.js';
import type { CliIo } from './io.js';
import { openSession, resolveTarget } from './session.js';

/** Runs one `tessera` command; resolves to the process exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    const args = parseCliArgs(argv);
    verbose = args.verbose;
    if (args.help) {
      io.stdout.write(`${HELP}\n`);
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
      throw usageError(
        `${args.command} needs an authority: pass --authority and --client-id (or set TESSERA_AUTHORITY and TESSERA_CLIENT_ID); ` +
          'without them only `tessera token` works, against an embedded development authority that keeps nothing',
      );
    }
    const session = await openSession(target);
    try {
      await command.run(session, args, io);
    } finally {
      await session.close();
    }
    return ExitCode.ok;
  } catch (error) {
    io.stderr.write(`${describeError(error, verbose)}\n`);
    return exitCodeFor(error);
  }
}
