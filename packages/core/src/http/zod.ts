// The zod schema builders core uses, over zod's engine (`zod/v4/core`, which `zod/mini` wraps):
// the same schemas, parser, issues and inferred types as `zod/mini`, with its names and arguments.
// Why not `zod/mini` itself: its schema classes give every schema parse, parseAsync, check, clone,
// register, ... methods, and those cost a browser bundle 1.2 kB gzipped (measured: an object of
// strings is 5,201 B with zod/mini, 4,041 B with these builders). Differences to zod/mini:
// `check(schema, ...checks)` instead of `schema.check(...)`, `safeParse(schema, value)` instead of
// `schema.safeParse(value)`. All builders are pure, so bundles drop the schemas they do not use.
// The package build inlines the zod modules used (rollup.config.mjs › INLINED): importing
// `zod/v4/core` whole would load 40 locales and cost Node about 50 ms at start-up.
import * as core from 'zod/v4/core';

/** A zod schema whose output is T. */
export type Schema<T = unknown> = core.$ZodType<T>;
/** The type a schema parses to (zod's `z.infer`; capitalized because a bundled `.d.ts` cannot name a type `infer`). */
export type Infer<S extends core.$ZodType> = core.output<S>;
/** A failed parse's error: its `issues` name paths and codes. */
export type ZodError = core.$ZodError;
/** An error message for the schema's own issue (zod's string `params`). */
type Message = string | undefined;
/** zod's normalized params: the message as the schema's error. */
const params = (message: Message): { error?: () => string } => (message === undefined ? {} : { error: () => message });

type Shape = Record<string, core.$ZodType>;
/** An object schema whose output has these fields (and, loose, any others as unknown). */
export type ObjectSchema<S extends Shape> = core.$ZodObject<S, core.$strip>;
/** An object schema that keeps unknown fields. */
export type LooseObjectSchema<S extends Shape> = core.$ZodObject<S, core.$loose>;

/** A string (zod's `z.string`). */
export const string = /* @__NO_SIDE_EFFECTS__ */ (message?: Message) => core._string(core.$ZodString, message);
/** A finite number (zod's `z.number`). */
export const number = /* @__NO_SIDE_EFFECTS__ */ (message?: Message) => core._number(core.$ZodNumber, message);
/** true or false (zod's `z.boolean`). */
export const boolean = /* @__NO_SIDE_EFFECTS__ */ (message?: Message) => core._boolean(core.$ZodBoolean, message);
/** An array whose items all conform (zod's `z.array`). */
export const array = /* @__NO_SIDE_EFFECTS__ */ <T extends core.$ZodType>(element: T, message?: Message) => core._array(core.$ZodArray, element, message);
/** The schema, or undefined (zod's `z.optional`). */
export const optional = /* @__NO_SIDE_EFFECTS__ */ <T extends core.$ZodType>(inner: T) => new core.$ZodOptional({ type: 'optional', innerType: inner }) as core.$ZodOptional<T>;
/** A value the predicate accepts, typed T (zod's `z.custom`). */
export const custom = /* @__NO_SIDE_EFFECTS__ */ <T>(fn: (value: unknown) => unknown, message?: Message) =>
  core._custom<T>(core.$ZodCustom, fn as (value: T) => unknown, message);
/** Fields checked, others dropped from the output. */
export const object = /* @__NO_SIDE_EFFECTS__ */ <S extends Shape>(shape: S, message?: Message) =>
  new core.$ZodObject({ type: 'object', shape, ...params(message) }) as ObjectSchema<S>;
/** Fields checked, others kept as they are. */
export const looseObject = /* @__NO_SIDE_EFFECTS__ */ <S extends Shape>(shape: S, message?: Message) =>
  new core.$ZodObject({ type: 'object', shape, catchall: new core.$ZodUnknown({ type: 'unknown' }), ...params(message) }) as unknown as LooseObjectSchema<S>;

/** A check: the value must satisfy the predicate (zod's `z.refine`). */
export const refine = /* @__NO_SIDE_EFFECTS__ */ <T>(fn: (value: T) => unknown, message?: Message | core.$ZodCustomParams) => core._refine<T>(core.$ZodCustom, fn, message) as unknown as core.$ZodCheck<T>;
/** A check that replaces the value, same type (zod's `z.overwrite`). */
export const overwrite = /* @__NO_SIDE_EFFECTS__ */ <T>(fn: (value: T) => T) => core._overwrite(fn);

/** The schema with these checks added (zod/mini's `schema.check(...)`). */
export const check = /* @__NO_SIDE_EFFECTS__ */ <S extends core.$ZodType>(schema: S, ...checks: core.$ZodCheck<core.output<S>>[]): S =>
  core.util.clone(schema, { ...schema._zod.def, checks: [...(schema._zod.def.checks ?? []), ...checks] } as S['_zod']['def']);

/** Parses without throwing: `{ success: true, data }` or `{ success: false, error }`. */
export const safeParse = <S extends core.$ZodType>(schema: S, value: unknown) => core.safeParse(schema, value);
