// The schema helpers every response schema is written with: each must validate as zod's own class
// would, and report failures the way callers read them.
import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../src/errors.js';
import { checkShape } from '../src/http/oauth-response.js';
import { MAX_SERVER_SECONDS, describeIssue, discoverySchema, optional, optionalString, seconds, text, tokenResponseSchema } from '../src/http/schemas.js';

/** An optional http(s) URL, as discovery checks jwks_uri. */
const optionalUrl = discoverySchema.shape.jwks_uri;

const issueOf = (schema: z.ZodMiniType, value: unknown) => {
  const result = z.safeParse(schema, value);
  if (result.success) throw new Error('expected a failure');
  return result.error.issues[0]!;
};

describe('text', () => {
  it('accepts strings only, failing with zod invalid_type issue as z.string does', () => {
    expect(z.safeParse(text, 'a').data).toBe('a');
    for (const value of [1, null, undefined, ['a'], {}]) {
      const issue = issueOf(text, value);
      expect(issue.code).toBe('invalid_type');
      expect(issue.code).toBe(issueOf(z.string(), value).code);
      expect(describeIssue(z.safeParse(text, value).error!)).toEqual(['', 'expected a string']);
    }
  });

  it('reports a missing required field as invalid_type at its path', () => {
    const schema = z.looseObject({ name: text });
    const issue = issueOf(schema, {});
    expect(issue).toMatchObject({ code: 'invalid_type', path: ['name'] });
  });
});

describe('optional', () => {
  const schema = z.looseObject({ note: optionalString, wait: optional(seconds), site: optionalUrl });

  it('lets the key be absent or undefined, and leaves an absent key absent', () => {
    const absent = z.safeParse(schema, {});
    expect(absent.success).toBe(true);
    expect(Object.keys(absent.data!)).toEqual([]);
    const undef = z.safeParse(schema, { note: undefined, wait: undefined, site: undefined });
    expect(undef.success).toBe(true);
    expect(undef.data).toEqual({ note: undefined, wait: undefined, site: undefined });
    expect(Object.keys(undef.data!)).toEqual(['note', 'wait', 'site']);
  });

  it('still checks a present value, naming the field, and keeps the inner schema rewriting it', () => {
    expect(describeIssue(z.safeParse(schema, { note: 7 }).error!)).toEqual(['note', 'expected a string']);
    expect(describeIssue(z.safeParse(schema, { wait: -1 }).error!)).toEqual(['wait', 'expected a non-negative number of seconds']);
    expect(describeIssue(z.safeParse(schema, { site: 'javascript:alert(1)' }).error!)).toEqual(['site', 'expected an http(s) URL']);
    expect(z.safeParse(schema, { wait: '1e400' }).success).toBe(false);
    expect(z.safeParse(schema, { wait: 1e400 }).data).toEqual({ wait: MAX_SERVER_SECONDS });
    expect(z.safeParse(schema, { wait: '90' }).data).toEqual({ wait: 90 });
  });

  it('does not change the schema it was made from', () => {
    expect(z.safeParse(seconds, undefined).success).toBe(false);
    expect(z.safeParse(z.looseObject({ wait: seconds }), {}).success).toBe(false);
  });
});

describe('the one way a zod failure becomes our error', () => {
  it('names the first wrong field and what was expected, never the value', () => {
    const secret = 'tok\r\nX-Evil: 1';
    const error = (() => {
      try {
        checkShape(tokenResponseSchema, { access_token: secret, token_type: 'Bearer' }, 'Token response', 200);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toBe('Token response has an invalid field "access_token": expected printable ASCII with a visible character');
    expect(() => checkShape(tokenResponseSchema, [], 'Token response')).toThrow('Token response has an invalid field "(body)": expected an object');
  });
});
