import fc from 'fast-check';
import { dec, decString } from '@tollgate/kernel';
import {
  defaultInstruments,
  InstrumentCatalog,
  isOnTick,
  isWholeLots,
  roundLimitPrice,
  roundQuantity,
  UnknownInstrumentError,
  type Instrument,
} from './instrument';

const penny: Instrument = { symbol: 'TEST', assetClass: 'equity', currency: 'USD', tickSize: '0.01', lotSize: '1', shortable: true };

describe('instruments', () => {
  it('ships a default set of US equities and ETFs for simulations', () => {
    const catalog = new InstrumentCatalog();
    expect(catalog.symbols()).toEqual(expect.arrayContaining(['SPY', 'QQQ', 'AAPL', 'MSFT']));
    expect(catalog.get('SPY').assetClass).toBe('etf');
    expect(catalog.get('AAPL').sector).toBe('Information Technology');
    expect(defaultInstruments.every((instrument) => instrument.currency === 'USD')).toBe(true);
  });

  it('refuses an unknown symbol instead of guessing its rules', () => {
    expect(() => new InstrumentCatalog().get('NOPE')).toThrow(UnknownInstrumentError);
    expect(() => new InstrumentCatalog().get('NOPE')).toThrow('symbol=NOPE');
  });

  it('refuses a catalog with a duplicate symbol or a zero tick', () => {
    expect(() => new InstrumentCatalog([penny, penny])).toThrow('listed twice');
    expect(() => new InstrumentCatalog([{ ...penny, tickSize: '0' }])).toThrow('tickSize=0');
  });

  it('checks prices against the tick and quantities against the lot', () => {
    expect(isOnTick(penny, dec('10.01'))).toBe(true);
    expect(isOnTick(penny, dec('10.015'))).toBe(false);
    expect(isWholeLots(penny, dec('3'))).toBe(true);
    expect(isWholeLots(penny, dec('2.5'))).toBe(false);
  });

  it('rounds limit prices to a tick never worse for the trader, and quantities down to the lot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), (milli, direction) => {
        const price = dec(String(milli)).div(1000);
        const rounded = roundLimitPrice(penny, price, direction);
        expect(isOnTick(penny, rounded)).toBe(true);
        expect(direction === 'buy' ? rounded.lte(price) : rounded.gte(price)).toBe(true);
        expect(rounded.minus(price).abs().lt(dec('0.01'))).toBe(true);
      }),
    );
    expect(decString(roundQuantity(penny, dec('7.9')))).toBe('7');
  });
});
