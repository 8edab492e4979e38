import fc from 'fast-check';
import { canonicalJson, NonCanonicalValueError } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys and drops whitespace so equal objects have equal bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: '1.10', c: [true, null] } })).toBe('{"a":{"c":[true,null],"d":"1.10"},"b":1}');
  });

  it('refuses floats, which would make a hash depend on number formatting', () => {
    expect(() => canonicalJson({ price: 1.1 })).toThrow(NonCanonicalValueError);
    expect(() => canonicalJson({ price: 1.1 })).toThrow('$.price');
  });

  it('is independent of key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
        expect(JSON.parse(canonicalJson(record))).toEqual(record);
      }),
    );
  });
});
