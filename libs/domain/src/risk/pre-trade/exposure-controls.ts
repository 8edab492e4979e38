import { Decimal, ZERO } from '@tollgate/kernel';
import { denial, type DenialReason } from '@tollgate/contracts';
import type { PricedCheckContext } from './check-context';
import { worstCase } from './snapshot';

/**
 * C7/C8 exposure on positions plus working orders, worst case: each measure is projected as if every
 * working order on the worse side filled, so several strategies together cannot exceed a limit.
 * An order that reduces a position (without flipping it, even if every working order on its side
 * filled) is never denied here: closing is always possible at or over a limit. Any other order is
 * denied only by a measure it raises above its limit.
 */
export function exposureReasons(context: PricedCheckContext, reasons: DenialReason[]): void {
  if (context.reducing) return;
  const { request, snapshot, account, instrument, quantity } = context;
  const limits = account.exposure;
  const price = context.reference.mid;
  const totals = snapshot.totals;

  const before = snapshot.worst.get(request.symbol) ?? worstCase(ZERO, ZERO, ZERO, price);
  const beforeNotional = before.notional ?? before.quantity.times(price);
  const buying = context.direction === 'buy';
  const after = worstCase(
    context.position,
    buying ? context.workingBuy.plus(quantity) : context.workingBuy,
    buying ? context.workingSell : context.workingSell.plus(quantity),
    price,
  );
  const afterNotional = after.notional!;
  const symbolIncreases = afterNotional.greaterThan(beforeNotional);

  // Fail closed: a held symbol nothing can value makes every total unknown.
  const unvalued = totals.unvalued.find((symbol) => symbol !== request.symbol);
  if (unvalued && symbolIncreases) {
    reasons.push(denial('REFERENCE_PRICE_MISSING', { symbol: unvalued }));
    return;
  }

  if (after.quantity.greaterThan(instrument.maxPositionQuantity) && after.quantity.greaterThan(before.quantity)) {
    reasons.push(denial('POSITION_EXCEEDS_MAXIMUM', { symbol: request.symbol, projected: after.quantity.toFixed(), max: instrument.maxPositionQuantity.toFixed() }));
  }
  if (symbolIncreases && afterNotional.greaterThan(instrument.maxSymbolNotional)) {
    reasons.push(denial('SYMBOL_EXPOSURE_EXCEEDS_MAXIMUM', { symbol: request.symbol, projected: afterNotional.toFixed(), max: instrument.maxSymbolNotional.toFixed() }));
  }

  const sector = snapshot.limits?.sectorOf(request.symbol) ?? null;
  if (limits.sectors.size > 0 && symbolIncreases) {
    if (!sector) {
      reasons.push(denial('SECTOR_UNKNOWN', { symbol: request.symbol }));
    } else {
      const max = limits.sectors.get(sector);
      const projected = (totals.sectors.get(sector) ?? ZERO).minus(beforeNotional).plus(afterNotional);
      if (max && projected.greaterThan(max)) reasons.push(denial('SECTOR_EXPOSURE_EXCEEDS_MAXIMUM', { sector, projected: projected.toFixed(), max: max.toFixed() }));
    }
  }

  const gross = totals.gross.minus(beforeNotional).plus(afterNotional);
  if (symbolIncreases && gross.greaterThan(limits.maxGrossNotional)) {
    reasons.push(denial('GROSS_EXPOSURE_EXCEEDS_MAXIMUM', { projected: gross.toFixed(), max: limits.maxGrossNotional.toFixed() }));
  }

  const netBefore = Decimal.max(totals.netHigh.abs(), totals.netLow.abs());
  const netHigh = totals.netHigh.plus(after.longExtreme.minus(before.longExtreme).times(price));
  const netLow = totals.netLow.plus(after.shortExtreme.minus(before.shortExtreme).times(price));
  const net = Decimal.max(netHigh.abs(), netLow.abs());
  if (net.greaterThan(netBefore) && net.greaterThan(limits.maxNetNotional)) {
    reasons.push(denial('NET_EXPOSURE_EXCEEDS_MAXIMUM', { projected: net.toFixed(), max: limits.maxNetNotional.toFixed() }));
  }

  const positions = totals.openPositions - (before.open ? 1 : 0) + (after.open ? 1 : 0);
  if (positions > totals.openPositions && positions > limits.maxPositions) {
    reasons.push(denial('POSITION_COUNT_EXCEEDS_MAXIMUM', { projected: String(positions), max: String(limits.maxPositions) }));
  }

  if (symbolIncreases) {
    if (snapshot.equity === null) {
      reasons.push(denial('ACCOUNT_STATE_UNKNOWN', { account: request.accountId, field: 'equity' }));
    } else if (!snapshot.equity.greaterThan(0) || afterNotional.div(snapshot.equity).greaterThan(limits.maxPositionShareOfEquity)) {
      const share = snapshot.equity.greaterThan(0) ? afterNotional.div(snapshot.equity).toDecimalPlaces(4).toFixed() : 'unbounded';
      reasons.push(denial('POSITION_SHARE_OF_EQUITY_EXCEEDS_MAXIMUM', { symbol: request.symbol, share, max: limits.maxPositionShareOfEquity.toFixed() }));
    }
  }
}
