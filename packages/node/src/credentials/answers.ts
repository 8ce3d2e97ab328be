// zod schemas of what credentials read from outside the process: managed identity endpoints'
// answers and the developer CLIs' output. Loaded on first use (`await import('./answers.js')`),
// not with the package: the zod modules they need (inlined by the build, rollup.config.mjs ›
// INLINED) cost about 6 ms to load, against @tessera/node's 30 ms import budget.
import { MAX_SERVER_SECONDS, accessTokenSchema, describeIssue, secondsSchema } from '@tessera/core';
import * as z from 'zod/mini';

/** Read as seconds, a number this large is past the year 5000; as milliseconds, it is any instant after 1973. */
const MILLISECONDS_FROM = 1e11;

/**
 * Epoch seconds: a JSON number >= 0, or a string of digits (as IMDS sends them, or with a fraction,
 * as @azure/identity and msal-node also read); in ms since the epoch. A value of MILLISECONDS_FROM
 * or more is already milliseconds (a server or proxy that sends `Date.now()`): read as seconds it
 * would be clamped, and a token that ends within the hour kept for MAX_SERVER_SECONDS.
 */
const epochSeconds = z.pipe(
  z.custom<number | string>((v) => (typeof v === 'number' && v >= 0) || (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)), 'expected epoch seconds'),
  z.transform((v) => (Number(v) >= MILLISECONDS_FROM ? Number(v) : Number(v) * 1000)),
);

/**
 * A date string (ISO 8601; App Service api-version 2017-09-01's "11/20/2017 05:28:15 PM +00:00"; the
 * local time "2024-05-01 12:30:00.000000" the CLIs print): what `Date.parse` reads, as @azure/identity; in ms since the epoch.
 */
const dateText = z.pipe(
  z.string('expected a date').check(z.refine((v) => !Number.isNaN(new Date(v).getTime()), 'expected a date')),
  z.transform((v) => new Date(v).getTime()),
);

/**
 * A managed identity endpoint's 2xx answer: the token and its expiry (expires_on as epoch seconds,
 * or a date from older App Service and Machine Learning). Loose: other fields (resource,
 * client_id, ...) are kept, unchecked, for whoever reads them. Durations are clamped to
 * MAX_SERVER_SECONDS by core's schema; expires_on by {@link clampExpiry}.
 */
export const tokenAnswerSchema = z
  .looseObject({
    access_token: accessTokenSchema,
    expires_on: z.optional(z.union([epochSeconds, dateText])),
    expires_in: z.optional(secondsSchema),
    refresh_in: z.optional(secondsSchema),
  })
  .check(z.refine((a) => a.expires_on !== undefined || a.expires_in !== undefined, { message: 'expected expires_on or expires_in', path: ['expires_on'] }));
/** A managed identity endpoint's token answer. */
export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;

/** The error bodies managed identity endpoints send: OAuth (`error`, `error_description`), App Service (`message`), Service Fabric (`error.code/message`). */
export const errorAnswerSchema = z.looseObject({
  error: z.optional(z.union([z.string(), z.looseObject({ code: z.optional(z.string()), message: z.optional(z.string()) })])),
  error_description: z.optional(z.string()),
  message: z.optional(z.string()),
  Message: z.optional(z.string()),
});

/**
 * Azure Arc's challenge header, `Basic realm=<path of the challenge file>`, read as the path. A
 * path is short and has no control characters; anything else is not the agent's.
 */
export const arcChallengeSchema = z.pipe(
  z.string('is missing').check(z.maxLength(1024, 'is longer than 1024 characters'), z.regex(/^\s*Basic realm=[^\x00-\x1f\x7f]+$/i, 'is not "Basic realm=<file>"')),
  z.transform((header) => header.trim().slice('Basic realm='.length)),
);

/** The user-assigned identity an Azure Arc answer names, by any of its ids. */
export const arcEchoSchema = z.object({
  client_id: z.optional(z.string()),
  object_id: z.optional(z.string()),
  msi_res_id: z.optional(z.string()),
  mi_res_id: z.optional(z.string()),
});

/** `az account get-access-token --output json`: expires_on (epoch seconds, Azure CLI 2.54+) is exact; expiresOn is a local time without zone. */
export const azAnswerSchema = z.pipe(
  z
    .looseObject({ accessToken: accessTokenSchema, expires_on: z.optional(epochSeconds), expiresOn: z.optional(dateText) })
    .check(z.refine((a) => a.expires_on !== undefined || a.expiresOn !== undefined, { message: 'expected "expires_on" or "expiresOn"', path: ['expires_on'] })),
  z.transform((a) => ({ token: a.accessToken, expiresOn: a.expires_on ?? a.expiresOn! })),
);

/** `azd auth token --output json`: the token and its ISO 8601 expiry. */
export const azdAnswerSchema = z.pipe(
  z.looseObject({ token: accessTokenSchema, expiresOn: dateText }),
  z.transform((a) => ({ token: a.token, expiresOn: a.expiresOn })),
);

/** The latest expiry accepted: MAX_SERVER_SECONDS from now (a later one would keep a token "forever"). */
export const clampExpiry = (ms: number, now: number): number => Math.min(ms, now + MAX_SERVER_SECONDS * 1000);

/**
 * `value` parsed by the schema, or what is wrong with it as `no "field"` or "field: problem"
 * (never the value itself: it may be a token).
 */
export function parseAnswer<T>(schema: z.ZodMiniType<T>, value: unknown): { ok: true; data: T } | { ok: false; issue: string } {
  const result = z.safeParse(schema, value);
  if (result.success) return { ok: true, data: result.data };
  const [path, message] = describeIssue(result.error);
  const issue = result.error.issues[0]!;
  const found = issue.path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), value);
  const missing = issue.code === 'invalid_type' && path && found === undefined;
  return { ok: false, issue: missing ? `no "${path}"` : path ? `${path}: ${message}` : message };
}
