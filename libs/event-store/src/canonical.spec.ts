import fc from 'fast-check';
import { canonicalJson, NonCanonicalValueError } from '@tollgate/kernel';
import { canonicalText, textArrayLiteral } from './canonical';
import { canonicalEnvelope } from './hashing';

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('canonicalText (the append hot path)', () => {
  it('writes exactly the bytes kernel canonicalJson writes', () => {
    fc.assert(fc.property(jsonValue, (value) => expect(canonicalText(value)).toBe(canonicalJson(value))), { numRuns: 500 });
  });

  it('treats objects with a toJSON of their own the way canonicalJson does', () => {
    class Money {
      constructor(readonly amount: string) {}
      toJSON() {
        return 'not canonical';
      }
    }
    expect(canonicalText(new Money('1.10'))).toBe(canonicalJson(new Money('1.10')));
    expect(canonicalText({ b: '2', a: undefined, c: null, d: 7 })).toBe('{"b":"2","c":null,"d":7}');
  });

  it('refuses what canonicalJson refuses, with the same path', () => {
    expect(() => canonicalText({ fill: { price: 187.25 } })).toThrow(NonCanonicalValueError);
    expect(() => canonicalText({ fill: { price: 187.25 } })).toThrow('$.fill.price');
  });
});

describe('textArrayLiteral', () => {
  it('quotes any string the way PostgreSQL reads a text[] literal back', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom('\ud800', 'a"b\\c', '\n')), { maxLength: 5 }), (values) => {
        const literal = textArrayLiteral(values);
        expect(parseTextArray(literal)).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });
});

describe('canonicalEnvelope', () => {
  it('is the canonical JSON of the envelope object, with data and metadata spliced verbatim', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, fc.string(), fc.nat(), (data, metadata, type, version) => {
        const fields = {
          id: '5f0c4f1e-8d0a-4c55-9d0e-3b1f1c2a9e10',
          streamId: 'order-1',
          streamVersion: version + 1,
          type,
          schemaVersion: 1,
          occurredAt: '2026-01-02T14:30:00.000Z',
        };
        expect(canonicalEnvelope({ ...fields, data: canonicalJson(data), metadata: canonicalJson(metadata) })).toBe(canonicalJson({ ...fields, data, metadata }));
      }),
    );
  });
});

/** PostgreSQL's array_in for a one-dimensional text[] of quoted elements. */
function parseTextArray(literal: string): string[] {
  expect(literal.startsWith('{') && literal.endsWith('}')).toBe(true);
  const body = literal.slice(1, -1);
  const values: string[] = [];
  let index = 0;
  while (index < body.length) {
    expect(body[index]).toBe('"');
    index += 1;
    let value = '';
    while (body[index] !== '"') {
      if (body[index] === '\\') index += 1;
      value += body[index];
      index += 1;
    }
    values.push(value);
    index += 2; // closing quote and comma
  }
  return values;
}
