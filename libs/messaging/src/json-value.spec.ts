import fc from 'fast-check';
import { dec } from '@tollgate/kernel';
import { copyJsonValue, toJsonValue } from './json-value';

/** The reference: what a payload looks like after crossing the wire as JSON text. */
const roundTrip = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : JSON.parse(text);
};

describe('toJsonValue', () => {
  it('equals the JSON round trip for any value (property)', () => {
    fc.assert(
      fc.property(fc.anything({ withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), (value) => {
        expect(toJsonValue(value)).toStrictEqual(roundTrip(value));
      }),
      { numRuns: 500 },
    );
  });

  it('applies toJSON with the member key, drops what JSON cannot hold, and keeps "__proto__" a member', () => {
    const seenKeys: string[] = [];
    const keyed = { toJSON: (key: string) => (seenKeys.push(key), `at ${key}`) };
    const value = {
      price: dec('101.250'),
      at: new Date('2024-07-01T13:30:00Z'),
      skipped: undefined,
      fn: () => 1,
      list: [undefined, () => 1, Number.NaN, -0, keyed],
      nested: { keyed },
      ...JSON.parse('{"__proto__": {"polluted": true}}'),
    };
    const result = toJsonValue(value);
    expect(result).toStrictEqual(roundTrip(value));
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(seenKeys).toEqual(['4', 'keyed', '4', 'keyed']);
  });

  it('fails like JSON.stringify on a cycle and on a BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => toJsonValue(cyclic)).toThrow(TypeError);
    expect(() => toJsonValue({ n: BigInt(1) })).toThrow(TypeError);
    // The same object twice, not nested in itself, is no cycle.
    const shared = { x: 1 };
    expect(toJsonValue([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it('returns a value sharing nothing with its input, and copies share nothing with each other', () => {
    const input = { quote: { bid: '1.5', sizes: [1, 2] } };
    const snapshot = toJsonValue(input) as typeof input;
    const copy = copyJsonValue(snapshot as never) as typeof input;
    snapshot.quote.bid = 'changed';
    snapshot.quote.sizes.push(3);
    expect(input).toEqual({ quote: { bid: '1.5', sizes: [1, 2] } });
    expect(copy).toEqual({ quote: { bid: '1.5', sizes: [1, 2] } });
  });

  it('copies JSON values exactly (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const normalized = toJsonValue(value);
        expect(copyJsonValue(normalized)).toStrictEqual(normalized);
      }),
    );
  });
});
