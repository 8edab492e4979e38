import { decString, Decimal, type DecimalString } from '@tollgate/kernel';
import { ledgerTotals, positionViews, type LedgerState } from './ledger';

/** The ledger as `tollgate ledger --json` prints it: every number a decimal string. */
export interface LedgerReport {
  positions: Array<{
    symbol: string;
    quantity: DecimalString;
    averagePrice: DecimalString;
    realizedPnl: DecimalString;
    unrealizedPnl: DecimalString;
    fees: DecimalString;
    openLots: Array<{ quantity: DecimalString; price: DecimalString }>;
  }>;
  totals: {
    realizedPnl: DecimalString;
    unrealizedPnl: DecimalString;
    fees: DecimalString;
    netPnl: DecimalString;
  };
}

/** Average prices are quotients; they are the one value rounded (half-even) when shown. */
export const AVERAGE_PRICE_PLACES = 8;

/**
 * Money values are shown exactly: they are sums and products of the inputs, so nothing needs
 * rounding and `netPnl` equals `realizedPnl + unrealizedPnl − fees` digit for digit.
 */
export function ledgerReport(state: LedgerState): LedgerReport {
  const totals = ledgerTotals(state);
  return {
    positions: positionViews(state).map((view) => ({
      symbol: view.symbol,
      quantity: decString(view.quantity),
      averagePrice: decString(view.averagePrice.toDecimalPlaces(AVERAGE_PRICE_PLACES, Decimal.ROUND_HALF_EVEN)),
      realizedPnl: decString(view.realizedPnl),
      unrealizedPnl: decString(view.unrealizedPnl),
      fees: decString(view.fees),
      openLots: view.openLots.map((lot) => ({ quantity: decString(lot.quantity), price: decString(lot.price) })),
    })),
    totals: {
      realizedPnl: decString(totals.realizedPnl),
      unrealizedPnl: decString(totals.unrealizedPnl),
      fees: decString(totals.fees),
      netPnl: decString(totals.netPnl),
    },
  };
}

/** Open positions without a mark: their unrealized P&L is shown as zero because no price is known. */
export function unmarkedSymbols(state: LedgerState): string[] {
  return positionViews(state)
    .filter((view) => !view.marked)
    .map((view) => view.symbol);
}
