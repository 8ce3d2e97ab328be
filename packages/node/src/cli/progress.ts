/** Something to look at while waiting on the user: a spinner on a terminal, dots in a log. */
export interface Progress {
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(stream: NodeJS.WriteStream, label: string): Progress {
  const tty = stream.isTTY === true;
  let frame = 0;
  const draw = tty ? () => stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}`) : () => stream.write('.');
  if (!tty) stream.write(label);
  draw();
  const timer = setInterval(draw, tty ? 80 : 1000);
  timer.unref(); // never what keeps the process alive
  return {
    stop() {
      clearInterval(timer);
      stream.write(tty ? '\r\x1b[K' : '\n');
    },
  };
}
