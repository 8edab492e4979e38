import { dec, decString, InvalidDecimalError, Rounding } from './decimal';

describe('decimal', () => {
  it('keeps long decimals exact where a float would not', () => {
    expect(decString(dec('0.1').plus(dec('0.2')))).toBe('0.3');
    expect(decString(dec('123456789012345678.123456789'))).toBe('123456789012345678.123456789');
  });

  it('refuses numbers and malformed strings, naming the field', () => {
    expect(() => dec('1e5', 'price')).toThrow(InvalidDecimalError);
    expect(() => dec(' 1', 'price')).toThrow('price was not a decimal string');
  });

  it('rounds limit prices toward the safe side of the tick', () => {
    expect(decString(Rounding.priceToTick(dec('10.017'), dec('0.01'), 'buy'))).toBe('10.01');
    expect(decString(Rounding.priceToTick(dec('10.011'), dec('0.01'), 'sell'))).toBe('10.02');
  });

  it('rounds money half-even to cents and quantities down to the lot', () => {
    expect(decString(Rounding.money(dec('2.345')), 2)).toBe('2.34');
    expect(decString(Rounding.money(dec('2.355')), 2)).toBe('2.36');
    expect(decString(Rounding.quantityToLot(dec('149'), dec('100')))).toBe('100');
  });
});
