import fc from 'fast-check';
import { isoFromPostgres } from './rows';

/** What PostgreSQL prints for a timestamp (DateStyle ISO): trailing zeros of the fraction dropped. */
function postgresText(iso: string, micros: number): string {
  const fraction = String(micros).padStart(6, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? `.${fraction}` : ''}`;
}

describe('isoFromPostgres', () => {
  it('restores the fixed-width UTC form to_char writes (microseconds and milliseconds)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }), (date, extra) => {
        const iso = date.toISOString();
        const micros = date.getUTCMilliseconds() * 1000 + extra;
        expect(isoFromPostgres(postgresText(iso, micros), 6)).toBe(`${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}Z`);
        expect(isoFromPostgres(postgresText(iso, date.getUTCMilliseconds() * 1000), 3)).toBe(iso);
      }),
    );
  });

  it('refuses text it cannot read exactly', () => {
    expect(() => isoFromPostgres('01/02/2026 14:30:00', 3)).toThrow(/DateStyle ISO/);
    expect(() => isoFromPostgres('2026-01-02 14:30:00.1234', 3)).toThrow(/fractional digits/);
  });
});
