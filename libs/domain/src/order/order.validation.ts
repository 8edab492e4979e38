import { decString, type Decimal } from '@tollgate/kernel';
import type { OrderSide, OrderType, TimeInForce } from '@tollgate/contracts';
import { isOnTick, isWholeLots, type Instrument } from '../instrument';

/** What an order asks for, in code form. */
export interface OrderTermsInput {
  symbol: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: Decimal;
  limitPrice?: Decimal;
  stopPrice?: Decimal;
}

export const typesWithLimitPrice: readonly OrderType[] = ['limit', 'stop_limit'];
export const typesWithStopPrice: readonly OrderType[] = ['stop', 'stop_limit'];

/** Buy and buy-to-cover buy; sell and sell-short sell. */
export function tradeDirection(side: OrderSide): 'buy' | 'sell' {
  return side === 'buy' || side === 'buy_to_cover' ? 'buy' : 'sell';
}

/**
 * The rules every order obeys, in the order aggregate and in the simulated exchange alike.
 * Returns one message per broken rule (empty when the order is valid), each naming the input.
 */
export function orderTermIssues(terms: OrderTermsInput, instrument?: Instrument): string[] {
  const issues: string[] = [];
  if (!terms.quantity.gt(0)) issues.push(`quantity=${decString(terms.quantity)} must be positive`);
  const needsLimit = typesWithLimitPrice.includes(terms.type);
  const needsStop = typesWithStopPrice.includes(terms.type);
  if (needsLimit && !terms.limitPrice) issues.push(`limitPrice is required for a ${terms.type} order`);
  if (!needsLimit && terms.limitPrice) issues.push(`limitPrice is not allowed on a ${terms.type} order`);
  if (needsStop && !terms.stopPrice) issues.push(`stopPrice is required for a ${terms.type} order`);
  if (!needsStop && terms.stopPrice) issues.push(`stopPrice is not allowed on a ${terms.type} order`);
  for (const [field, price] of [['limitPrice', terms.limitPrice], ['stopPrice', terms.stopPrice]] as const) {
    if (price && !price.gt(0)) issues.push(`${field}=${decString(price)} must be positive`);
  }
  if (instrument) {
    if (instrument.symbol !== terms.symbol) issues.push(`symbol=${terms.symbol} does not match instrument ${instrument.symbol}`);
    if (!isWholeLots(instrument, terms.quantity)) {
      issues.push(`quantity=${decString(terms.quantity)} is not a whole number of lots of ${instrument.lotSize}`);
    }
    for (const [field, price] of [['limitPrice', terms.limitPrice], ['stopPrice', terms.stopPrice]] as const) {
      if (price && !isOnTick(instrument, price)) issues.push(`${field}=${decString(price)} is not on the tick ${instrument.tickSize}`);
    }
    if (terms.side === 'sell_short' && !instrument.shortable) issues.push(`${instrument.symbol} is not shortable`);
  }
  return issues;
}
