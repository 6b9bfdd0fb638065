import type { z } from 'zod';

/** Whether a value passes a schema as it is: the schema would accept it and give back an equal value. */
type Accepts = (value: unknown) => boolean;

/** The parts of a zod schema's or check's definition read here (zod's own `_zod.def`). */
export interface Definition {
  type?: string;
  check?: string;
  coerce?: boolean;
  format?: string;
  pattern?: RegExp;
  checks?: { _zod: { def: Definition } }[];
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  fn?: (value: unknown) => unknown;
  tx?: (value: unknown) => unknown;
  entries?: Record<string, unknown>;
  innerType?: Schema;
  shape?: Record<string, Schema>;
  catchall?: Schema;
}

export type Schema = { _zod: { def: Definition } };

/** String formats whose check is their pattern alone (zod's others parse, say, a URL). */
const patternFormats = new Set(['uuid', 'regex']);

const accepted = new WeakMap<object, Accepts | null>();

/**
 * A check made once from a contract schema that accepts only payloads the schema accepts
 * unchanged (no defaults filled, nothing trimmed, no unknown key dropped, the keys in the shape's
 * order), so that the schema's output would equal the payload itself. Anything else — every
 * payload the schema refuses, and those it accepts but changes — it leaves to the schema, which
 * stays the one source of the rules and of every error: this only spares the common case zod's
 * per-parse work (a result object per level, its issue lists, a copy of every object).
 * `undefined` when the schema holds something this does not know (then the schema parses all).
 */
export function quickAccept(schema: z.ZodType): Accepts | undefined {
  let check = accepted.get(schema);
  if (check === undefined) {
    check = compile(schema) ?? null;
    accepted.set(schema, check);
  }
  return check ?? undefined;
}

function compile(schema: Schema): Accepts | undefined {
  const def = schema._zod.def;
  if (def.coerce) return undefined;
  const checks = checksOf(def);
  if (checks === undefined) return undefined;
  const all = allOf(checks);
  switch (def.type) {
    case 'string':
      return (value) => typeof value === 'string' && all(value);
    case 'number':
      return (value) => typeof value === 'number' && Number.isFinite(value) && all(value);
    case 'boolean':
      return checks.length === 0 ? (value) => typeof value === 'boolean' : undefined;
    case 'enum': {
      if (checks.length > 0 || !def.entries) return undefined;
      const values = new Set(Object.values(def.entries));
      return (value) => values.has(value);
    }
    case 'object':
      return objectCheck(def, all);
    default:
      return undefined;
  }
}

/** One check of them all (most fields have one or none: called directly). */
function allOf(checks: Accepts[]): Accepts {
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (value) => {
    for (const check of checks) if (!check(value)) return false;
    return true;
  };
}

/** The schema's own format (`z.uuid()`, `z.int()`) and its checks, in zod's order; `undefined` if one is unknown. */
function checksOf(def: Definition): Accepts[] | undefined {
  const definitions = [...(def.check ? [def] : []), ...(def.checks ?? []).map((check) => check._zod.def)];
  const checks: Accepts[] = [];
  for (const check of definitions) {
    const accepts = checkOf(check);
    if (accepts === undefined) return undefined;
    checks.push(accepts);
  }
  return checks;
}

function checkOf(check: Definition): Accepts | undefined {
  const { minimum = 0, maximum = 0, value: bound = 0, inclusive, fn, tx, pattern } = check;
  switch (check.check) {
    case 'string_format':
      if (!patternFormats.has(check.format ?? '') || !(pattern instanceof RegExp)) return undefined;
      if (pattern.global || pattern.sticky) return undefined;
      return (value) => pattern.test(value as string);
    case 'number_format':
      return check.format === 'safeint' ? (value) => Number.isSafeInteger(value) : undefined;
    case 'min_length':
      return (value) => (value as string).length >= minimum;
    case 'max_length':
      return (value) => (value as string).length <= maximum;
    case 'greater_than':
      return inclusive ? (value) => (value as number) >= bound : (value) => (value as number) > bound;
    case 'less_than':
      return inclusive ? (value) => (value as number) <= bound : (value) => (value as number) < bound;
    // A refinement: accepted when it says so plainly (a promise, or a truthy non-`true`, goes to zod).
    case 'custom':
      return typeof fn === 'function' ? (value) => fn(value) === true : undefined;
    // A transformation (`trim()`): accepted when it changes nothing.
    case 'overwrite':
      return typeof tx === 'function' ? (value) => tx(value) === value : undefined;
    default:
      return undefined;
  }
}

/**
 * A plain object whose own keys are some of the shape's, in its order, each value accepted as it
 * is; an optional key may be absent (not present as `undefined`).
 */
function objectCheck(def: Definition, all: Accepts): Accepts | undefined {
  const catchall = def.catchall?._zod.def.type;
  if (!def.shape || (catchall !== undefined && catchall !== 'never')) return undefined;
  const keys = Object.keys(def.shape);
  const optional: boolean[] = [];
  const values: Accepts[] = [];
  for (const key of keys) {
    let field = def.shape[key]!;
    const isOptional = field._zod.def.type === 'optional';
    if (isOptional) field = field._zod.def.innerType!;
    const accepts = compile(field);
    if (accepts === undefined) return undefined;
    optional.push(isOptional);
    values.push(accepts);
  }
  return (value) => {
    if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
    const object = value as Record<string, unknown>;
    let at = 0;
    for (const key in object) {
      while (at < keys.length && keys[at] !== key) if (!optional[at++]) return false;
      if (at === keys.length || !Object.hasOwn(object, key) || !values[at]!(object[key])) return false;
      at++;
    }
    while (at < keys.length) if (!optional[at++]) return false;
    return all(value);
  };
}
