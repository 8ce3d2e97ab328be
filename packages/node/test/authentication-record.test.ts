// deserializeAuthenticationRecord reads text the application stored: anything else is a ConfigurationError, never a raw SyntaxError or TypeError.
import { ConfigurationError } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { deserializeAuthenticationRecord, serializeAuthenticationRecord } from '../src/index.js';

const record = { authority: 'login.microsoftonline.com', homeAccountId: 'uid.utid', clientId: 'cid', tenantId: 'utid', username: 'a@b.c' };

describe('deserializeAuthenticationRecord', () => {
  it('reads what serializeAuthenticationRecord wrote', () => {
    expect(deserializeAuthenticationRecord(serializeAuthenticationRecord(record))).toEqual(record);
  });

  it.each([
    ['text that is not JSON', '{"authority":', /is not JSON/],
    ['null', 'null', /Unsupported AuthenticationRecord version "undefined"/],
    ['a number', '42', /Unsupported AuthenticationRecord version/],
    ['a record without username', JSON.stringify({ ...record, username: undefined, version: '1.0' }), /has no "username"/],
    ['a record with a numeric clientId', JSON.stringify({ ...record, clientId: 7, version: '1.0' }), /has no "clientId"/],
  ])('refuses %s with a ConfigurationError', (_name, text, message) => {
    const error = (() => {
      try {
        deserializeAuthenticationRecord(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });
});
