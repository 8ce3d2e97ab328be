import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../src/terminal-text.js';

describe('terminalSafe', () => {
  it.each([
    ['clear screen (CSI)', 'a\x1b[2Jb', 'ab'],
    ['hidden text (SGR 8) shows the text', '\x1b[8msecret\x1b[0m', 'secret'],
    ['window title (OSC, BEL)', 'a\x1b]0;title\x07b', 'ab'],
    ['clipboard write (OSC 52, ST)', 'a\x1b]52;c;cm0gLXJm\x1b\\b', 'ab'],
    ['hyperlink (OSC 8)', '\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\', 'click'],
    ['device control string', 'a\x1bPq#0;2;0;0;0\x1b\\b', 'ab'],
    ['application program command', 'a\x1b_payload\x1b\\b', 'ab'],
    ['8-bit CSI and OSC', 'a\x9b2Jb\x9d0;t\x9cc', 'abc'],
    ['incomplete CSI at the end', 'a\x1b[12', 'a12'],
    ['charset switch and reset', 'a\x1b(0b\x1bcc', 'abc'],
    ['carriage return, backspace, NUL, DEL', 'ok\rfake\b\x00\x7f!', 'okfake!'],
    ['bidi override and isolates', 'abc\u202Efed\u2066x\u2069\u200F', 'abcfedx'],
  ])('%s', (_name, input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  it('keeps newlines, tabs and ordinary Unicode', () => {
    expect(terminalSafe('Zoë\tcafé ✓\n日本語\n')).toBe('Zoë\tcafé ✓\n日本語\n');
  });
});
