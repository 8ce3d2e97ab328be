import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeJson } from '../src/terminal-text.js';

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

describe('terminalSafeJson', () => {
  /** Every character terminalSafe removes on its own (C0 but tab and newline, DEL, C1, bidi controls). */
  const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  it('escapes control characters instead of removing them, so the text parses to the exact value', () => {
    const value = { name: 'Dana \u05d3\u05e0\u05d4\u200f', evil: '\u202eevil\x1b]0;title\x07\x9b2J\x7f\x85\u2066x\u2069\u061c\u200e' };
    const json = terminalSafeJson(value);
    expect(json).toBe(
      '{\n  "name": "Dana \u05d3\u05e0\u05d4\\u200f",\n  "evil": "\\u202eevil\\u001b]0;title\\u0007\\u009b2J\\u007f\\u0085\\u2066x\\u2069\\u061c\\u200e"\n}',
    );
    expect(JSON.parse(json)).toEqual(value);
    expect(terminalSafe(json)).toBe(json);
  });

  it('round-trips any JSON value and leaves nothing for terminalSafe to remove', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 30 }), (value, text) => {
        for (const input of [value, { text, nested: [text, value] }]) {
          const json = terminalSafeJson(input);
          expect(json).not.toMatch(CONTROL);
          expect(terminalSafe(json)).toBe(json);
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(input)));
        }
      }),
    );
  });
});
