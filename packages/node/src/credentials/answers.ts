// zod schemas of the instants that managed identity endpoints and developer CLIs answer with, and
// the clamp every expiry from outside goes through. zod/mini: the build inlines the zod modules
// used (rollup.config.mjs › INLINED), as core's does, so importing @tessera/node stays cheap.
import { MAX_SERVER_SECONDS, describeIssue } from '@tessera/core';
import * as z from 'zod/mini';

/** Epoch seconds: a JSON number >= 0, or a string of digits (as IMDS sends them); in ms since the epoch. */
export const epochSeconds = z.pipe(
  z.custom<number | string>((v) => (typeof v === 'number' && v >= 0) || (typeof v === 'string' && /^\d+$/.test(v)), 'expected epoch seconds'),
  z.transform((v) => Number(v) * 1000),
);

/** A date string (ISO 8601, or the local time "2024-05-01 12:30:00.000000" the CLIs print); in ms since the epoch. */
export const dateText = z.pipe(
  z.string('expected a date').check(z.refine((v) => !Number.isNaN(new Date(v).getTime()), 'expected a date')),
  z.transform((v) => new Date(v).getTime()),
);

/** The latest expiry accepted: MAX_SERVER_SECONDS from now (a later one would keep a token "forever"). */
export const clampExpiry = (ms: number, now: number): number => Math.min(ms, now + MAX_SERVER_SECONDS * 1000);

/** What is wrong with `answer`, as `no "field"` or "field: problem" (never the value: it may be a token). */
export function answerIssue(error: z.core.$ZodError, answer: unknown): string {
  const [path, message] = describeIssue(error);
  const keys = error.issues[0]!.path;
  const value = keys.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined), answer);
  if (path && value === undefined) return `no "${path}"`;
  return path ? `${path}: ${message}` : message;
}
