import { DomainError, Rounding, ZERO, type Decimal } from '@tollgate/kernel';

export interface FixedFractionalSizingInput {
  /** Account equity the risk fraction applies to. */
  equity: Decimal;
  /** Share of equity one trade may lose if the stop is hit, e.g. 0.01 for 1 %. */
  riskFraction: Decimal;
  entryPrice: Decimal;
  stopPrice: Decimal;
  /** Quantities are whole multiples of this (1 for whole shares, 100 for round lots). */
  lotSize: Decimal;
  /** Caps from the risk limits; a cap left out does not apply. */
  maxQuantity?: Decimal;
  maxNotional?: Decimal;
}

/** Which bound decided the quantity: the risk budget, a cap, or nothing affordable at all. */
export type SizingConstraint = 'risk_budget' | 'max_quantity' | 'max_notional' | 'no_equity';

export interface PositionSize {
  quantity: Decimal;
  /** equity × riskFraction */
  riskBudget: Decimal;
  /** quantity × |entry − stop|: what the trade loses if it stops out at the stop price. */
  riskAtStop: Decimal;
  /** quantity × entry */
  notional: Decimal;
  limitedBy: SizingConstraint;
}

/**
 * Fixed-fractional sizing: risk at most `equity × riskFraction` between entry and stop.
 *
 *   quantity = lotFloor(min(equity × f / |entry − stop|, maxQuantity, maxNotional / entry))
 *
 * Rounded down to the lot so it never exceeds what risk allowed, then checked again in exact
 * decimals (a 40-digit division could round up onto a lot boundary). Slippage past the stop is not
 * in this budget; the risk limits cap the damage from that separately.
 */
export function fixedFractionalSize(input: FixedFractionalSizingInput): PositionSize {
  const { equity, riskFraction, entryPrice, stopPrice, lotSize, maxQuantity, maxNotional } = input;
  if (!lotSize.gt(0)) throw new DomainError('LOT_SIZE_NOT_POSITIVE', `lotSize=${lotSize} must be positive`);
  if (!entryPrice.gt(0)) throw new DomainError('ENTRY_PRICE_NOT_POSITIVE', `entryPrice=${entryPrice} must be positive`);
  if (!riskFraction.gt(0) || riskFraction.gt(1)) throw new DomainError('RISK_FRACTION_OUT_OF_RANGE', `riskFraction=${riskFraction} must be in (0, 1]`);
  if (maxQuantity?.isNeg()) throw new DomainError('MAX_QUANTITY_NEGATIVE', `maxQuantity=${maxQuantity} must not be negative`);
  if (maxNotional?.isNeg()) throw new DomainError('MAX_NOTIONAL_NEGATIVE', `maxNotional=${maxNotional} must not be negative`);
  const stopDistance = entryPrice.minus(stopPrice).abs();
  if (stopDistance.isZero()) throw new DomainError('STOP_DISTANCE_ZERO', `entryPrice=${entryPrice} stopPrice=${stopPrice}: the stop must differ from the entry`);

  const riskBudget = equity.gt(0) ? equity.mul(riskFraction) : ZERO;
  const candidates: Array<{ quantity: Decimal; constraint: SizingConstraint }> = [
    { quantity: riskBudget.div(stopDistance), constraint: equity.gt(0) ? 'risk_budget' : 'no_equity' },
  ];
  if (maxQuantity) candidates.push({ quantity: maxQuantity, constraint: 'max_quantity' });
  if (maxNotional) candidates.push({ quantity: maxNotional.div(entryPrice), constraint: 'max_notional' });
  const binding = candidates.reduce((smallest, candidate) => (candidate.quantity.lt(smallest.quantity) ? candidate : smallest));

  let quantity = Rounding.quantityToLot(binding.quantity, lotSize);
  const withinBounds = (value: Decimal) =>
    value.mul(stopDistance).lte(riskBudget) && (!maxQuantity || value.lte(maxQuantity)) && (!maxNotional || value.mul(entryPrice).lte(maxNotional));
  while (quantity.gt(0) && !withinBounds(quantity)) quantity = quantity.minus(lotSize);
  if (quantity.isNeg()) quantity = ZERO;

  return {
    quantity,
    riskBudget,
    riskAtStop: quantity.mul(stopDistance),
    notional: quantity.mul(entryPrice),
    limitedBy: binding.constraint,
  };
}
