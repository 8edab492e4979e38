import { dec, DomainError, Rounding, type Decimal, type DecimalString } from '@tollgate/kernel';
import { TICKER_PATTERN } from '@tollgate/contracts';

export type AssetClass = 'equity' | 'etf';

/** What the venue trades and the rules every price and quantity for it must obey. */
export interface Instrument {
  symbol: string;
  assetClass: AssetClass;
  currency: string;
  /** Smallest price increment. */
  tickSize: DecimalString;
  /** Smallest quantity increment (1 for whole shares). */
  lotSize: DecimalString;
  /** Whether the venue lets us open a short position. */
  shortable: boolean;
  sector?: string;
}

/**
 * The instruments simulations trade by default: liquid US ETFs and large caps, all with a cent tick
 * and whole-share lots (the rules Reg NMS sets for stocks priced at or above one dollar).
 */
export const defaultInstruments: readonly Instrument[] = Object.freeze(
  (
    [
      ['SPY', 'etf', true, undefined],
      ['QQQ', 'etf', true, undefined],
      ['IWM', 'etf', true, undefined],
      ['TLT', 'etf', true, undefined],
      ['GLD', 'etf', true, undefined],
      ['AAPL', 'equity', true, 'Information Technology'],
      ['MSFT', 'equity', true, 'Information Technology'],
      ['NVDA', 'equity', true, 'Information Technology'],
      ['AMZN', 'equity', true, 'Consumer Discretionary'],
      ['GOOGL', 'equity', true, 'Communication Services'],
      ['META', 'equity', true, 'Communication Services'],
      ['JPM', 'equity', true, 'Financials'],
      ['XOM', 'equity', true, 'Energy'],
      ['JNJ', 'equity', true, 'Health Care'],
      ['BRK.B', 'equity', true, 'Financials'],
    ] as const
  ).map(([symbol, assetClass, shortable, sector]) =>
    Object.freeze({
      symbol,
      assetClass,
      currency: 'USD',
      tickSize: '0.01',
      lotSize: '1',
      shortable,
      ...(sector === undefined ? {} : { sector }),
    }),
  ),
);

export class UnknownInstrumentError extends DomainError {
  override name = 'UnknownInstrumentError';
  constructor(readonly symbol: string) {
    super('UNKNOWN_INSTRUMENT', `symbol=${symbol} is not a known instrument`, { symbol });
  }
}

/** A lookup over a fixed set of instruments. */
export class InstrumentCatalog {
  private readonly bySymbol: ReadonlyMap<string, Instrument>;

  constructor(instruments: readonly Instrument[] = defaultInstruments) {
    const bySymbol = new Map<string, Instrument>();
    for (const instrument of instruments) {
      validateInstrument(instrument);
      if (bySymbol.has(instrument.symbol)) throw new DomainError('DUPLICATE_INSTRUMENT', `symbol=${instrument.symbol} was listed twice`);
      bySymbol.set(instrument.symbol, instrument);
    }
    this.bySymbol = bySymbol;
  }

  find(symbol: string): Instrument | undefined {
    return this.bySymbol.get(symbol);
  }

  /** Throws UnknownInstrumentError: trading a symbol we know nothing about is refused, not guessed. */
  get(symbol: string): Instrument {
    const instrument = this.bySymbol.get(symbol);
    if (!instrument) throw new UnknownInstrumentError(symbol);
    return instrument;
  }

  symbols(): string[] {
    return [...this.bySymbol.keys()].sort();
  }

  all(): Instrument[] {
    return this.symbols().map((symbol) => this.bySymbol.get(symbol)!);
  }
}

export function validateInstrument(instrument: Instrument): void {
  if (!TICKER_PATTERN.test(instrument.symbol)) {
    throw new DomainError('INVALID_INSTRUMENT', `symbol=${JSON.stringify(instrument.symbol)} is not an upper-case ticker`);
  }
  if (!dec(instrument.tickSize, `${instrument.symbol} tickSize`).gt(0)) {
    throw new DomainError('INVALID_INSTRUMENT', `${instrument.symbol} tickSize=${instrument.tickSize} must be positive`);
  }
  if (!dec(instrument.lotSize, `${instrument.symbol} lotSize`).gt(0)) {
    throw new DomainError('INVALID_INSTRUMENT', `${instrument.symbol} lotSize=${instrument.lotSize} must be positive`);
  }
}

/** True when `price` is a whole number of ticks. */
export function isOnTick(instrument: Instrument, price: Decimal): boolean {
  return price.mod(dec(instrument.tickSize)).isZero();
}

/** True when `quantity` is a whole number of lots. */
export function isWholeLots(instrument: Instrument, quantity: Decimal): boolean {
  return quantity.mod(dec(instrument.lotSize)).isZero();
}

/** A limit price on the tick, never worse for the trader than asked (buy rounds down, sell up). */
export function roundLimitPrice(instrument: Instrument, price: Decimal, direction: 'buy' | 'sell'): Decimal {
  return Rounding.priceToTick(price, dec(instrument.tickSize), direction);
}

/** A quantity rounded down to whole lots, so sizing never exceeds what was allowed. */
export function roundQuantity(instrument: Instrument, quantity: Decimal): Decimal {
  return Rounding.quantityToLot(quantity, dec(instrument.lotSize));
}
