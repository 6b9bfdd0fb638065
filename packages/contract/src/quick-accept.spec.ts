import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { z } from 'zod';
import { commandSchemas } from './namespaces.js';
import { quickAccept, type Definition, type Schema } from './quick-accept.js';

const uuid = '0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b';
const tricky = fc.constantFrom<unknown>(
  undefined,
  null,
  0,
  -0,
  1,
  -1,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.MAX_SAFE_INTEGER + 1,
  '',
  ' ',
  'x',
  ' x ',
  uuid,
  uuid.toUpperCase(),
  `${uuid} `,
  uuid.replace('7e8f', '0e8f'),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  [],
  {},
  true,
  false,
);

/** Payloads a schema mostly accepts: valid values, each field sometimes replaced by a near one. */
function likely(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const def = schema._zod.def;
  const checks = [def, ...(def.checks ?? []).map((check) => check._zod.def)];
  const format = checks.find((check) => check.check === 'string_format');
  const lower = checks.map((check) => (check.check === 'greater_than' ? check.value : check.minimum) ?? -1_000_000);
  const upper = checks.map((check) => (check.check === 'less_than' ? check.value : check.maximum) ?? 1_000_000);
  const min = Math.max(...lower, -1_000_000);
  const max = Math.min(...upper, 1_000_000);
  const valid = (): fc.Arbitrary<unknown> => {
    switch (def.type) {
      case 'string':
        if (format?.format === 'uuid') return fc.uuid();
        if (format?.pattern) return fc.stringMatching(format.pattern);
        return fc.oneof(
          fc.string({ minLength: Math.max(min, 0), maxLength: Math.min(max, 60) }),
          fc.constantFrom(min, max, max + 1, min - 1).map((length) => 'a'.repeat(Math.max(length, 0))),
        );
      case 'number':
        return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max, min - 1, max + 1, 0));
      case 'object':
        return fc.constant(undefined);
      default:
        return near(schema, depth);
    }
  };
  if (def.type === 'optional') return fc.oneof(likely(def.innerType!, depth + 1), near(schema, depth));
  if (def.type !== 'object')
    return fc.oneof({ arbitrary: valid(), weight: 4 }, { arbitrary: near(schema, depth), weight: 1 });
  return objects(def, (field) => likely(field, depth + 1));
}

/** An object of the shape's keys, in order or reversed, some left out, sometimes with one more. */
function objects(def: Definition, field: (schema: Schema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const entries = Object.entries(def.shape ?? {});
  const fields = entries.map(([key, schema]) =>
    fc.tuple(fc.constant(key), field(schema), fc.constantFrom(true, true, true, true, false)),
  );
  return fc
    .tuple(
      fc.tuple(...fields),
      fc.constantFrom(false, false, false, true),
      fc.option(fc.tuple(fc.constantFrom('extra', 'opId', '__proto__'), tricky), { freq: 5 }),
    )
    .map(([values, reversed, extra]) => {
      const kept = values.filter(([, , present]) => present);
      if (reversed) kept.reverse();
      const object: Record<string, unknown> = {};
      for (const [key, value] of kept) object[key] = value;
      if (extra) object[extra[0]] = extra[1];
      return object;
    });
}

/** Payloads near what a schema accepts: its bounds, padded strings, and anything at all. */
function near(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const def = schema._zod.def;
  const checks = [def, ...(def.checks ?? []).map((check) => check._zod.def)];
  const bounds = checks.flatMap((check) => [check.minimum, check.maximum, check.value].filter((n) => n !== undefined));
  const any = depth > 2 ? tricky : fc.oneof(tricky, fc.anything({ maxDepth: 2 }));
  switch (def.type) {
    case 'string': {
      const lengths = bounds.flatMap((n) => [n - 1, n, n + 1]).filter((n) => n >= 0);
      const text = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.uuid(),
        fc.uuid().map((id) => id.toUpperCase()),
        fc.stringMatching(/^[1-9][0-9]{5}$/),
        fc.constantFrom(...lengths, 1).map((length) => 'a'.repeat(length)),
      );
      const padded = fc
        .tuple(fc.constantFrom('', ' ', '\n'), text, fc.constantFrom('', ' ', '\t'))
        .map((p) => p.join(''));
      return fc.oneof(text, padded, any);
    }
    case 'number':
      return fc.oneof(
        fc.integer({ min: -1_000, max: 1_000 }),
        fc.constantFrom(...bounds.flatMap((n) => [n - 1, n, n + 1, n + 0.5])),
        fc.double(),
        any,
      );
    case 'enum':
      return fc.oneof(fc.constantFrom(...Object.values(def.entries ?? { x: 'x' })), any);
    case 'optional':
    case 'nullable':
    case 'default':
      return fc.oneof(near(def.innerType!, depth + 1), any);
    case 'object':
      return fc.oneof(
        objects(def, (field) => near(field, depth + 1)),
        any,
      );
    default:
      return any;
  }
}

const all = Object.entries(commandSchemas).flatMap(([namespace, schemas]) =>
  Object.entries(schemas).map(([event, schema]) => ({ name: `${namespace} ${event}`, schema: schema as z.ZodType })),
);

const busiest = ['/chat message:send', '/scoreboard score:add'];

describe('quickAccept', () => {
  it.each(all)('accepts only what $name accepts unchanged', ({ schema }) => {
    const accepts = quickAccept(schema);
    if (!accepts) return;
    fc.assert(
      fc.property(
        fc.oneof({ arbitrary: likely(schema as unknown as Schema), weight: 3 }, near(schema as unknown as Schema)),
        (payload) => {
          if (!accepts(payload)) return;
          const parsed = schema.safeParse(payload);
          expect(parsed.success).toBe(true);
          // Equal, with the keys in the same order: the handler could not tell one from the other.
          expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(payload));
          expect(parsed.data).toStrictEqual(payload);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  // The property above is only as good as the payloads it sees take the quick path. A fixed seed
  // keeps this count from depending on the draw; the property itself draws anew each run.
  it.each(busiest)('sees many generated %s payloads take the quick path', (name) => {
    const { schema } = all.find((command) => command.name === name)!;
    const accepts = quickAccept(schema)!;
    const payloads = fc.sample(likely(schema as unknown as Schema), { numRuns: 1_000, seed: 7 });
    expect(payloads.filter((payload) => accepts(payload)).length).toBeGreaterThan(10);
  });

  it('takes the common payloads of the busiest commands as they are', () => {
    const send = { opId: uuid, roomId: uuid, text: 'hello there' };
    const add = { opId: uuid, boardId: uuid, playerId: uuid, delta: 3, expected: { round: 1, score: 10 } };
    expect(quickAccept(commandSchemas['/chat']['message:send'])?.(send)).toBe(true);
    expect(quickAccept(commandSchemas['/chat']['message:send'])?.({ ...send, replyTo: uuid })).toBe(true);
    expect(quickAccept(commandSchemas['/scoreboard']['score:add'])?.(add)).toBe(true);
    // What the schema changes or refuses goes to zod.
    expect(quickAccept(commandSchemas['/chat']['message:send'])?.({ ...send, text: ' hello ' })).toBe(false);
    expect(quickAccept(commandSchemas['/chat']['message:send'])?.({ roomId: uuid, opId: uuid, text: 'hi' })).toBe(
      false,
    );
    expect(quickAccept(commandSchemas['/scoreboard']['score:add'])?.({ ...add, delta: 0 })).toBe(false);
  });

  it('leaves schemas with defaults or transforms to zod', () => {
    expect(quickAccept(commandSchemas['/chat']['message:history'])).toBeUndefined();
  });
});
