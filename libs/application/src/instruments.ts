import { defaultInstruments, InstrumentCatalog, type Instrument } from '@tollgate/domain/instrument';

/**
 * The instruments a run trades: the known definition of each configured symbol, or, for a symbol
 * Tollgate has no definition of, a US equity with a cent tick and whole-share lots (the Reg NMS
 * rules for stocks at or above one dollar).
 */
export function instrumentsFor(symbols: readonly string[]): Instrument[] {
  const known = new InstrumentCatalog(defaultInstruments);
  return [...new Set(symbols)].map(
    (symbol) => known.find(symbol) ?? { symbol, assetClass: 'equity', currency: 'USD', tickSize: '0.01', lotSize: '1', shortable: true },
  );
}

export function instrumentCatalogFor(symbols: readonly string[]): InstrumentCatalog {
  return new InstrumentCatalog(instrumentsFor(symbols));
}
