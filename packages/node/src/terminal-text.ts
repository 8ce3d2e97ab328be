/** One character that is terminal control: any C0 but tab and newline, DEL, C1, bidi marks, overrides and isolates. */
const CONTROL_CHARACTER = '[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]';

/**
 * Terminal control in text the library did not write itself (server messages, user codes,
 * usernames, error descriptions), removed wherever such text is written to a terminal (the CLI,
 * the default device code prompt): escape sequences with their payload (CSI, OSC such as title and clipboard,
 * DCS/SOS/PM/APC), in 7-bit and 8-bit form, then any C0 control but tab and newline, DEL, C1
 * controls, and the bidirectional overrides and isolates that reorder what is shown.
 */
const CONTROL = new RegExp(
  [
    '\\x1b\\[[0-?]*[ -/]*[@-~]', // CSI ... final byte
    '\\x9b[0-?]*[ -/]*[@-~]',
    '(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?', // OSC, DCS, SOS, PM, APC ... terminator
    '\\x1b[ -/]*[0-~]?', // other escapes (charset, keypad, reset)
    CONTROL_CHARACTER,
  ].join('|'),
  'g',
);

const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER, 'g');

/** The text with every terminal control sequence and bidi override removed; newlines and tabs stay. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, '');
}

/**
 * `value` as JSON text (two-space indent) that parses back to exactly `value` and is safe in a terminal:
 * every terminal control character (each sequence {@link terminalSafe} removes starts with one) is
 * written as a \uXXXX escape instead of being removed, so machine-readable output keeps values such
 * as a right-to-left mark in a name, and `terminalSafe` finds nothing left to remove. JSON.stringify
 * puts such characters only inside strings and never right after a backslash: the escape is valid there.
 */
export function terminalSafeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
