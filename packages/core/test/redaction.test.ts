// The redactor on its own: every spelling a request gives a secret, quotes cut short, the length cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SERVER_TEXT, REDACTED, redactor, requestSecrets } from '../src/http/redaction.js';
import { formPost } from '../src/http/oauth-response.js';
import { clientAuthenticator } from '../src/client/client-credential.js';

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

  it('hides a quote of 12 or more characters cut from the middle of a secret, and nothing around it', () => {
    const form = spellings.form;
    expect(redact(`saw "${form.slice(5, 19)}" here`)).toBe(`saw "${REDACTED}" here`);
    // Shorter pieces are not secrets on their own: ordinary text keeps them.
    expect(redact(`saw "${form.slice(5, 15)}" here`)).toBe(`saw "${form.slice(5, 15)}" here`);
  });

  it('handles secrets of any length (a 20,000-character assertion) and a megabyte of echo', () => {
    const assertion = `eyJ${'a~b!c'.repeat(4000)}`;
    const form = new URLSearchParams({ v: assertion }).toString().slice(2);
    const out = redactor([assertion])(`assertion=${form.slice(0, 3000)}${'z'.repeat(1_000_000)}`);
    expect(out.startsWith(`assertion=${REDACTED}`)).toBe(true);
    expect(out).not.toContain('a%7Eb');
    expect(out.length).toBeLessThan(MAX_SERVER_TEXT + 100);
  });

  it('leaves text without secrets alone and caps long text after redacting', () => {
    expect(redact('nothing secret here')).toBe('nothing secret here');
    const long = redact(`${'x'.repeat(MAX_SERVER_TEXT - 5)}${SECRET}${'y'.repeat(5000)}`);
    expect(long.length).toBeLessThan(MAX_SERVER_TEXT + 100);
    expect(long).not.toContain(SECRET.slice(0, 5));
    expect(long).toContain('characters cut');
  });

  it('finds the raw values of secret form parameters', () => {
    const request = formPost('https://idp.example/token', { grant_type: 'password', password: SECRET, username: 'u' }, {});
    expect(requestSecrets(request)).toEqual([SECRET]);
    expect(redactor(requestSecrets(request))(`body=${request.body}`)).not.toMatch(/secret|Ab8Q/);
  });

  it('hides Basic credentials through the secrets their authentication lists (client_secret_basic)', async () => {
    const metadata = { issuer: 'https://idp.example', token_endpoint: 'https://idp.example/token', token_endpoint_auth_methods_supported: ['client_secret_basic'] };
    const auth = await clientAuthenticator('app id', SECRET)('https://idp.example/token', metadata);
    const basic = auth.headers.authorization!.replace(/^Basic /, '');
    expect(auth.secrets).toContain(SECRET);
    expect(auth.secrets).toContain(basic);
    const clean = redactor(auth.secrets!);
    const text = clean(`auth=Basic ${basic} decoded=${atob(basic)}`);
    expect(text).not.toContain(basic);
    expect(text).not.toMatch(/secret|Ab8Q/);
  });
});

describe('redactor (property)', () => {
  /** How a request spells a value, written independently of the redactor. */
  const encodings = (v: string) => [v, encodeURIComponent(v), new URLSearchParams({ v }).toString().slice(2), JSON.stringify(v).slice(1, -1)];

  it('no spelling of any secret survives, whatever surrounds it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }).filter((v) => !REDACTED.includes(v) && encodings(v).every((e) => !REDACTED.includes(e))),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        fc.nat(3),
        (secret, before, after, which) => {
          const spelling = encodings(secret)[which]!;
          const out = redactor([secret])(`${before}${spelling}${after}`);
          for (const e of encodings(secret)) expect(out).not.toContain(e);
        },
      ),
      { numRuns: 300 },
    );
  });
});
