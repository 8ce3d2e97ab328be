// The redactor on its own: every spelling a request gives a secret, quotes cut short, the length cap.
import { describe, expect, it } from 'vitest';
import { MAX_SERVER_TEXT, REDACTED, redactor, requestSecrets } from '../src/http/redaction.js';
import { formPost } from '../src/http/oauth-response.js';

const SECRET = 'Ab8Q~x.Vw secret!value(1)*/+=é';

describe('redactor', () => {
  const redact = redactor([SECRET]);
  const spellings = {
    raw: SECRET,
    form: new URLSearchParams({ v: SECRET }).toString().slice(2),
    url: encodeURIComponent(SECRET),
    'lower-case hex': new URLSearchParams({ v: SECRET }).toString().slice(2).toLowerCase(),
    json: JSON.stringify(SECRET).slice(1, -1),
    'ascii json': JSON.stringify(SECRET).slice(1, -1).replace('é', '\\u00e9'),
  };
  for (const [name, spelling] of Object.entries(spellings)) {
    it(`hides the ${name} spelling and keeps the rest of the text`, () => {
      expect(redact(`before ${spelling} after`)).toBe(`before ${REDACTED} after`);
    });
  }

  it('hides a quote of a secret cut short at either end', () => {
    const form = spellings.form;
    expect(redact(`body=${form.slice(0, 20)}... (truncated)`)).toBe(`body=${REDACTED}... (truncated)`);
    expect(redact(`...${form.slice(-15)} end`)).toBe(`...${REDACTED} end`);
  });

  it('leaves text without secrets alone and caps long text after redacting', () => {
    expect(redact('nothing secret here')).toBe('nothing secret here');
    const long = redact(`${'x'.repeat(MAX_SERVER_TEXT - 5)}${SECRET}${'y'.repeat(5000)}`);
    expect(long.length).toBeLessThan(MAX_SERVER_TEXT + 100);
    expect(long).not.toContain(SECRET.slice(0, 5));
    expect(long).toContain('characters cut');
  });

  it('finds the secret inside Basic credentials, and the raw values of secret form parameters', () => {
    const basic = btoa(`app:${new URLSearchParams({ v: SECRET }).toString().slice(2).replace(/%7E/g, '~')}`);
    const request = formPost('https://idp.example/token', { grant_type: 'password', password: SECRET, username: 'u' }, { authorization: `Basic ${basic}` });
    const secrets = requestSecrets(request);
    expect(secrets).toContain(SECRET);
    expect(secrets).toContain(basic);
    const clean = redactor(secrets);
    const text = clean(`auth=Basic ${basic} body=${request.body}`);
    expect(text).not.toContain(basic);
    expect(text).not.toMatch(/secret|Ab8Q/);
  });
});
