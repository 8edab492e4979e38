import fc from 'fast-check';
import { Decimal, dec, decString, DomainError } from '@tollgate/kernel';
import { fixedFractionalSize, type FixedFractionalSizingInput } from './fixed-fractional';

const cents = (min: number, max: number) => fc.integer({ min, max }).map((value) => new Decimal(value).div(100));
const sizingInput: fc.Arbitrary<FixedFractionalSizingInput> = fc
  .record({
    equity: cents(0, 1_000_000_000),
    riskFraction: fc.integer({ min: 1, max: 1000 }).map((value) => new Decimal(value).div(10_000)),
    entryPrice: cents(1, 500_000),
    stopOffset: cents(-50_000, 50_000).filter((offset) => !offset.isZero()),
    lotSize: fc.constantFrom('1', '10', '100', '0.001', '0.5').map((lot) => dec(lot)),
    maxQuantity: fc.option(fc.integer({ min: 0, max: 100_000 }).map((value) => new Decimal(value)), { nil: undefined }),
    maxNotional: fc.option(cents(0, 100_000_000), { nil: undefined }),
  })
  .filter(({ entryPrice, stopOffset }) => entryPrice.minus(stopOffset).gt(0))
  .map(({ stopOffset, ...rest }) => ({ ...rest, stopPrice: rest.entryPrice.minus(stopOffset) }));

describe('fixed-fractional position sizing', () => {
  it('risks the fraction of equity between entry and stop, rounded down to the lot', () => {
    const size = fixedFractionalSize({ equity: dec('100000'), riskFraction: dec('0.01'), entryPrice: dec('50'), stopPrice: dec('48.5'), lotSize: dec('1') });
    // 1,000 of risk / 1.50 a share = 666.67 → 666 shares.
    expect(decString(size.quantity)).toBe('666');
    expect(decString(size.riskAtStop)).toBe('999');
    expect(size.limitedBy).toBe('risk_budget');
  });

  it('treats a short (stop above entry) by the same distance', () => {
    const size = fixedFractionalSize({ equity: dec('100000'), riskFraction: dec('0.01'), entryPrice: dec('50'), stopPrice: dec('51.5'), lotSize: dec('100') });
    expect(decString(size.quantity)).toBe('600');
  });

  it('applies the quantity and notional caps and says which one bound', () => {
    const base = { equity: dec('1000000'), riskFraction: dec('0.02'), entryPrice: dec('100'), stopPrice: dec('99'), lotSize: dec('1') };
    expect(fixedFractionalSize({ ...base, maxQuantity: dec('500') })).toMatchObject({ limitedBy: 'max_quantity' });
    expect(decString(fixedFractionalSize({ ...base, maxQuantity: dec('500') }).quantity)).toBe('500');
    const byNotional = fixedFractionalSize({ ...base, maxNotional: dec('25050') });
    expect(decString(byNotional.quantity)).toBe('250');
    expect(byNotional.limitedBy).toBe('max_notional');
  });

  it('sizes nothing without equity', () => {
    const size = fixedFractionalSize({ equity: dec('-5'), riskFraction: dec('0.01'), entryPrice: dec('10'), stopPrice: dec('9'), lotSize: dec('1') });
    expect(size.quantity.isZero()).toBe(true);
    expect(size.limitedBy).toBe('no_equity');
  });

  it('refuses a stop at the entry and nonsensical parameters, by code', () => {
    const base = { equity: dec('1000'), riskFraction: dec('0.01'), entryPrice: dec('10'), stopPrice: dec('9'), lotSize: dec('1') };
    const codeOf = (input: FixedFractionalSizingInput) => {
      try {
        fixedFractionalSize(input);
        return null;
      } catch (error) {
        return (error as DomainError).code;
      }
    };
    expect(codeOf({ ...base, stopPrice: dec('10') })).toBe('STOP_DISTANCE_ZERO');
    expect(codeOf({ ...base, lotSize: dec('0') })).toBe('LOT_SIZE_NOT_POSITIVE');
    expect(codeOf({ ...base, riskFraction: dec('1.5') })).toBe('RISK_FRACTION_OUT_OF_RANGE');
    expect(codeOf({ ...base, entryPrice: dec('0') })).toBe('ENTRY_PRICE_NOT_POSITIVE');
  });

  it('never exceeds the risk budget or the caps, is a whole number of lots, and is the largest such (property)', () => {
    fc.assert(
      fc.property(sizingInput, (input) => {
        const size = fixedFractionalSize(input);
        const stopDistance = input.entryPrice.minus(input.stopPrice).abs();
        const budget = input.equity.mul(input.riskFraction);
        const fits = (quantity: Decimal) =>
          quantity.mul(stopDistance).lte(budget) &&
          (!input.maxQuantity || quantity.lte(input.maxQuantity)) &&
          (!input.maxNotional || quantity.mul(input.entryPrice).lte(input.maxNotional));
        expect(size.quantity.isNeg()).toBe(false);
        expect(size.quantity.mod(input.lotSize).isZero()).toBe(true);
        expect(fits(size.quantity)).toBe(true);
        expect(size.riskAtStop.lte(budget)).toBe(true);
        // One more lot would break a bound: rounding down lost less than a lot.
        expect(fits(size.quantity.plus(input.lotSize))).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
