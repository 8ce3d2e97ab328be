// zod schemas of the options the public methods take: a wrong call fails at once with a
// ConfigurationError naming the option and what to pass, not deep inside a flow with a TypeError.
// Plain (stripping) objects: only the named options are checked, others are ignored, and the
// parse stays cheap enough for the cache-hit path (no copy of unknown keys).
import * as z from 'zod/mini';
import { custom, flag, isRecord, isString, isStringOrStrings, nonEmpty, oneOf, optional, optionalString, rule, stringOrStrings, strings, text } from '../http/schemas.js';

const NON_BLANK = /\S/;
const visible = (scope: string) => NON_BLANK.test(scope);
/** Whether scopes (checked to be a string or strings) name at least one scope: some scope has a non-blank character. */
const namesScope = (s: string | string[]) => (typeof s === 'string' ? visible(s) : s.some(visible));
/** Whether `v` is an AbortSignal (or looks like one: another realm's, a polyfill's). */
export const isSignal = (v: unknown): v is AbortSignal => typeof v === 'object' && v !== null && 'aborted' in v;
const SCOPES = 'expected a string or an array of strings';
/** Scopes as given (a space-separated string or an array); may be empty where signing in alone is useful. */
export const scopesOption = stringOrStrings(SCOPES);
/** Scopes that must name at least one scope: a token is for something. */
export const requiredScopesOption = /* @__PURE__ */ scopesOption.check(rule(namesScope, 'name at least one scope, e.g. ["api://my-api/.default"] or "User.Read"'));

export const optionalBoolean = optional(flag());

/** What every token method accepts (RequestOptions). */
const requestOptionsShape = {
  signal: optional(custom<AbortSignal>(isSignal, 'expected an AbortSignal')),
  claims: optionalString,
  tenant: optionalString,
  correlationId: optionalString,
};

/**
 * An options object: the common request options and these fields. Built in a function: a schema
 * argument with an object spread would keep every schema in bundles, used or not.
 */
export const requestOptions = /* @__NO_SIDE_EFFECTS__ */ <S extends Record<string, z.ZodMiniType>>(shape: S, message?: string) =>
  z.object({ ...requestOptionsShape, ...shape }, message);

/** An account object as getAccounts() and sign-in results give it. */
export const accountOption = z.object(
  { homeAccountId: text, environment: text, tenantId: text },
  'expected an account from getAccounts() or a sign-in result; none means nobody signed in yet (an empty cache): sign in interactively first',
);

export const silentOptionsSchema = requestOptions({ scopes: requiredScopesOption, account: accountOption, forceRefresh: optionalBoolean });

const absentOr = (v: unknown, type: string) => v === undefined || typeof v === type;

/**
 * Whether silentOptionsSchema accepts `o`, answered without zod for options as apps pass them on
 * every call (zod's parse was a fifth of a cache hit). It uses the schema's own tests and only
 * accepts: anything it does not recognise goes to the schema, which accepts it or names what is
 * wrong (options.test.ts checks that it never accepts what the schema refuses).
 */
export function plainSilentOptions(o: unknown): boolean {
  if (!isRecord(o)) return false;
  const { scopes, account } = o;
  return (
    isStringOrStrings(scopes) &&
    namesScope(scopes) &&
    isRecord(account) &&
    isString(account.homeAccountId) &&
    isString(account.environment) &&
    isString(account.tenantId) &&
    (o.signal === undefined || isSignal(o.signal)) &&
    absentOr(o.claims, 'string') &&
    absentOr(o.tenant, 'string') &&
    absentOr(o.correlationId, 'string') &&
    absentOr(o.forceRefresh, 'boolean')
  );
}
/** Options of a method that takes scopes and the common request options. */
export const scopedRequestOptionsSchema = requestOptions({ scopes: requiredScopesOption });
export const requestOptionsSchema = z.optional(requestOptions({}));


const redirectUri = nonEmpty('expected the redirect URI registered for the app');
export const authorizationUrlOptionsSchema = requestOptions({
  scopes: scopesOption,
  redirectUri,
  state: optionalString,
  nonce: optionalString,
  prompt: optional(oneOf(['none', 'login', 'consent', 'select_account', 'create'], 'expected none, login, consent, select_account or create')),
  loginHint: optionalString,
  domainHint: optionalString,
  maxAge: optional(custom<number>((v) => typeof v === 'number' && v >= 0, 'expected seconds (a number, 0 or more)')),
  responseMode: optional(oneOf(['query', 'fragment', 'form_post'], 'expected query, fragment or form_post')),
  extraScopesToConsent: optional(strings()),
  extraQueryParameters: optional(custom<Record<string, string>>((v) => isRecord(v) && Object.values(v).every((s) => typeof s === 'string'), 'expected an object of string values')),
  bindCodeToDpopKey: optionalBoolean,
});

/** A flow object as initiateAuthCodeFlow returned it (kept by the app until the redirect returns). */
export const authCodeFlowSchema = z.object(
  { state: nonEmpty(), nonce: text, codeVerifier: nonEmpty(), redirectUri, scopes: strings(), issuer: text },
  'expected the flow object initiateAuthCodeFlow returned',
);
export const logoutUrlOptionsSchema = z.optional(
  requestOptions({ account: optional(accountOption), idTokenHint: optionalString, postLogoutRedirectUri: optionalString, state: optionalString, logoutHint: optionalString }),
);
export const byCodeOptionsSchema = requestOptions({ scopes: scopesOption, redirectUri, codeVerifier: optionalString, nonce: optionalString });

