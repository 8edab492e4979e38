import { dec, DomainError, Rounding, type Decimal, type DecimalString } from '@tollgate/kernel';

/**
 * Peg to mid with a bounded chase: a limit order starts at the mid (rounded to the tick on the
 * passive side) and follows the mid as it moves, at most `maxReprices` times and no more often
 * than `minRepriceIntervalMs`; once the reprices are spent (or `maxWorkingMs` has passed) it
 * crosses the spread to the far touch. A pure policy: it says what the next replace should be,
 * the execution service sends it through the order aggregate (RequestReplace).
 */
export interface ChasePolicy {
  maxReprices: number;
  minRepriceIntervalMs: number;
  tickSize: DecimalString;
  /** Cross after this long even if reprices remain; unset means only the reprice count bounds it. */
  maxWorkingMs?: number;
}

export interface ChaseState {
  side: 'buy' | 'sell';
  limitPrice: Decimal;
  /** Reprices already made. */
  reprices: number;
  /** When the order was first placed. */
  startedAt: Date;
  /** When the last reprice was sent (or the order placed). */
  lastChangeAt: Date;
}

export interface TopOfBook {
  bid: Decimal;
  ask: Decimal;
}

export type ChaseDecision =
  | { action: 'hold'; reason: string }
  | { action: 'reprice'; limitPrice: Decimal; repricesAfter: number; reason: string }
  | { action: 'cross'; limitPrice: Decimal; reason: string };

export function validateChasePolicy(policy: ChasePolicy): void {
  const issues: string[] = [];
  if (!Number.isInteger(policy.maxReprices) || policy.maxReprices < 0) issues.push(`maxReprices=${policy.maxReprices} must be a whole number ≥ 0`);
  if (!(policy.minRepriceIntervalMs >= 0)) issues.push(`minRepriceIntervalMs=${policy.minRepriceIntervalMs} must be ≥ 0`);
  if (!dec(policy.tickSize, 'tickSize').gt(0)) issues.push(`tickSize=${policy.tickSize} must be positive`);
  if (policy.maxWorkingMs !== undefined && !(policy.maxWorkingMs > 0)) issues.push(`maxWorkingMs=${policy.maxWorkingMs} must be positive`);
  if (issues.length > 0) throw new DomainError('INVALID_CHASE_POLICY', `chase policy was invalid: ${issues.join('; ')}`);
}

/** The mid on the tick, rounded to the passive side (a buy down, a sell up): the price a peg starts at. */
export function peggedPrice(side: 'buy' | 'sell', book: TopOfBook, tickSize: Decimal): Decimal {
  return Rounding.priceToTick(book.bid.plus(book.ask).div(2), tickSize, side);
}

export function initialPeg(policy: ChasePolicy, side: 'buy' | 'sell', book: TopOfBook): Decimal {
  validateChasePolicy(policy);
  return peggedPrice(side, book, dec(policy.tickSize));
}

/** What to do with a working pegged order now, given the book. */
export function nextChaseStep(policy: ChasePolicy, state: ChaseState, book: TopOfBook, now: Date): ChaseDecision {
  validateChasePolicy(policy);
  if (book.ask.lt(book.bid)) throw new DomainError('CROSSED_BOOK', `the book is crossed: bid=${book.bid.toFixed()} ask=${book.ask.toFixed()}`);
  const farTouch = state.side === 'buy' ? book.ask : book.bid;
  const alreadyMarketable = state.side === 'buy' ? state.limitPrice.gte(farTouch) : state.limitPrice.lte(farTouch);
  if (alreadyMarketable) return { action: 'hold', reason: 'the limit already reaches the far touch' };
  if (policy.maxWorkingMs !== undefined && now.getTime() - state.startedAt.getTime() >= policy.maxWorkingMs) {
    return { action: 'cross', limitPrice: farTouch, reason: `working for ${policy.maxWorkingMs} ms without a fill` };
  }
  if (now.getTime() - state.lastChangeAt.getTime() < policy.minRepriceIntervalMs) {
    return { action: 'hold', reason: 'the last change was too recent' };
  }
  const target = peggedPrice(state.side, book, dec(policy.tickSize));
  if (target.eq(state.limitPrice)) return { action: 'hold', reason: 'already pegged to the mid' };
  if (state.reprices >= policy.maxReprices) {
    return { action: 'cross', limitPrice: farTouch, reason: `the ${policy.maxReprices} reprices are spent` };
  }
  return { action: 'reprice', limitPrice: target, repricesAfter: state.reprices + 1, reason: 'the mid moved' };
}
