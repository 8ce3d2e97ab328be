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
    '[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]',
    '[\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]',
  ].join('|'),
  'g',
);

/** The text with every terminal control sequence and bidi override removed; newlines and tabs stay. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROL, '');
}
