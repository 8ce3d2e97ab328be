import { type Progress, startProgress } from './progress.js';
import { terminalSafe } from '../terminal-text.js';

/** What the CLI touches of the process, so tests and the entry point can supply it. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C. */
  signal: AbortSignal;
}

/** A stream that takes text only. */
export interface TextOut {
  write(text: string): void;
}

/** What commands write through: the one place where output reaches the terminal. */
export interface CommandIo {
  stdout: TextOut;
  stderr: TextOut;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** A spinner or dots on stderr while waiting (the CLI's own control sequences, label fixed by us). */
  progress(label: string): Progress;
}

/**
 * Wraps the process streams so that everything written, much of it server text (device messages,
 * user codes, usernames, error descriptions), is cleaned of terminal control sequences.
 */
export function commandIo(io: CliIo): CommandIo {
  const clean = (stream: NodeJS.WritableStream): TextOut => ({ write: (text) => void stream.write(terminalSafe(text)) });
  return { stdout: clean(io.stdout), stderr: clean(io.stderr), env: io.env, signal: io.signal, progress: (label) => startProgress(io.stderr, label) };
}
