import type { ExitRule } from '@tollgate/contracts';
import { Decimal, decString, Rounding } from '@tollgate/kernel';

/**
 * Exit rules for one position, evaluated on every market event: a pure function of the position,
 * the latest quote, the clock (minutes to the close, from the exchange calendar) and the symbol's
 * regime. At most one rule fires per evaluation; the position-exit aggregate then makes sure at
 * most one exit is working.
 */

export type PositionSide = 'long' | 'short';
/** `marketable`: a market order, filled now across the spread. `limit`: a limit order at the rule's price. */
export type ExitExecution = 'marketable' | 'limit';

export interface ExitPosition {
  positionId: string;
  symbol: string;
  side: PositionSide;
  /** Open quantity, positive. */
  quantity: Decimal;
  entryPrice: Decimal;
  /** From the proposal; null when none was set. */
  stopPrice: Decimal | null;
  targetPrice: Decimal | null;
  openedAt: string;
}

export interface ExitQuote {
  at: string;
  bid: Decimal;
  ask: Decimal;
}

export interface ExitContext {
  /** Minutes until the session closes (from the calendar); null outside a session. */
  minutesToClose: number | null;
  /** When the symbol's last structural break was confirmed; null if never. */
  lastBreakConfirmedAt: string | null;
}

export interface ExitRulesConfig {
  /** Trailing stop distance from the best price since entry; null turns the rule off. */
  trailingStop: { distance: Decimal; unit: 'price' | 'percent' } | null;
  /** Time stop: the longest a position may be held; null turns the rule off. */
  maxHoldingMinutes: number | null;
  /** Flatten this many minutes before the close; null turns the rule off. */
  flattenMinutesBeforeClose: number | null;
  exitOnConfirmedBreak: boolean;
  execution: Record<ExitRule, ExitExecution>;
  /** A marketable exit across a spread wider than this (basis points of the mid) is an emergency exit. */
  wideSpreadBps: Decimal;
  tickSize: Decimal;
}

export const DEFAULT_EXIT_EXECUTION: Record<ExitRule, ExitExecution> = {
  stop_loss: 'marketable',
  trailing_stop: 'marketable',
  structural_break: 'marketable',
  end_of_day: 'marketable',
  time_stop: 'marketable',
  take_profit: 'limit',
};

/** Best price seen since entry on the position's side (highest bid for a long, lowest ask for a short). */
export interface TrailingAnchor {
  bestPrice: Decimal;
}

export interface ExitDecision {
  rule: ExitRule;
  orderType: 'market' | 'limit';
  limitPrice: Decimal | null;
  /** The price the rule compared (bid for a long, ask for a short). */
  triggerPrice: Decimal;
  detail: string;
  /** Quoted spread in basis points of the mid. */
  spreadBps: Decimal;
  /** A marketable exit across a spread wider than configured: recorded as an EmergencyExit. */
  crossesWideSpread: boolean;
}

/** Rules in the order they win when several fire at once: the ones that cap a loss first. */
export const EXIT_RULE_PRECEDENCE: readonly ExitRule[] = ['stop_loss', 'trailing_stop', 'structural_break', 'end_of_day', 'time_stop', 'take_profit'];

/** The price an exit would trade at: a long sells at the bid, a short buys back at the ask. */
export function exitPriceOf(side: PositionSide, quote: ExitQuote): Decimal {
  return side === 'long' ? quote.bid : quote.ask;
}

export function startTrailingAnchor(position: ExitPosition): TrailingAnchor {
  return { bestPrice: position.entryPrice };
}

export function updateTrailingAnchor(anchor: TrailingAnchor, side: PositionSide, quote: ExitQuote): TrailingAnchor {
  const price = exitPriceOf(side, quote);
  const better = side === 'long' ? price.greaterThan(anchor.bestPrice) : price.lessThan(anchor.bestPrice);
  return better ? { bestPrice: price } : anchor;
}

export function spreadInBasisPoints(quote: ExitQuote): Decimal {
  const mid = quote.bid.plus(quote.ask).div(2);
  if (mid.isZero()) return new Decimal(0);
  return Rounding.basisPoints(quote.ask.minus(quote.bid).div(mid).mul(10_000));
}

function trailingLevel(anchor: TrailingAnchor, side: PositionSide, trailing: NonNullable<ExitRulesConfig['trailingStop']>): Decimal {
  const distance = trailing.unit === 'price' ? trailing.distance : anchor.bestPrice.mul(trailing.distance).div(100);
  return side === 'long' ? anchor.bestPrice.minus(distance) : anchor.bestPrice.plus(distance);
}

/**
 * Which rule, if any, closes the position now. `anchor` must already include `quote`
 * (`updateTrailingAnchor` first).
 */
export function evaluateExitRules(
  position: ExitPosition,
  quote: ExitQuote,
  context: ExitContext,
  config: ExitRulesConfig,
  anchor: TrailingAnchor,
): ExitDecision | null {
  const long = position.side === 'long';
  const price = exitPriceOf(position.side, quote);
  const worseOrEqual = (level: Decimal) => (long ? price.lessThanOrEqualTo(level) : price.greaterThanOrEqualTo(level));
  const betterOrEqual = (level: Decimal) => (long ? price.greaterThanOrEqualTo(level) : price.lessThanOrEqualTo(level));
  const fired = new Map<ExitRule, { level: Decimal | null; detail: string }>();

  if (position.stopPrice !== null && worseOrEqual(position.stopPrice)) {
    fired.set('stop_loss', { level: position.stopPrice, detail: `${long ? 'bid' : 'ask'} ${decString(price)} reached stop ${decString(position.stopPrice)}` });
  }
  if (config.trailingStop !== null) {
    const level = trailingLevel(anchor, position.side, config.trailingStop);
    if (worseOrEqual(level)) {
      fired.set('trailing_stop', {
        level,
        detail: `${long ? 'bid' : 'ask'} ${decString(price)} reached trailing level ${decString(level)} (best ${decString(anchor.bestPrice)})`,
      });
    }
  }
  if (config.exitOnConfirmedBreak && context.lastBreakConfirmedAt !== null && Date.parse(context.lastBreakConfirmedAt) > Date.parse(position.openedAt)) {
    fired.set('structural_break', { level: null, detail: `a structural break in ${position.symbol} was confirmed at ${context.lastBreakConfirmedAt}, after entry` });
  }
  if (config.flattenMinutesBeforeClose !== null && context.minutesToClose !== null && context.minutesToClose <= config.flattenMinutesBeforeClose) {
    fired.set('end_of_day', { level: null, detail: `${context.minutesToClose} minutes to the close (flatten at ${config.flattenMinutesBeforeClose})` });
  }
  if (config.maxHoldingMinutes !== null) {
    const heldMinutes = (Date.parse(quote.at) - Date.parse(position.openedAt)) / 60_000;
    if (heldMinutes >= config.maxHoldingMinutes) {
      fired.set('time_stop', { level: null, detail: `held ${Math.floor(heldMinutes)} minutes (maximum ${config.maxHoldingMinutes})` });
    }
  }
  if (position.targetPrice !== null && betterOrEqual(position.targetPrice)) {
    fired.set('take_profit', { level: position.targetPrice, detail: `${long ? 'bid' : 'ask'} ${decString(price)} reached target ${decString(position.targetPrice)}` });
  }

  const rule = EXIT_RULE_PRECEDENCE.find((candidate) => fired.has(candidate));
  if (rule === undefined) return null;
  const { level, detail } = fired.get(rule)!;
  const spreadBps = spreadInBasisPoints(quote);
  const execution = config.execution[rule];
  if (execution === 'marketable') {
    return { rule, orderType: 'market', limitPrice: null, triggerPrice: price, detail, spreadBps, crossesWideSpread: spreadBps.greaterThan(config.wideSpreadBps) };
  }
  // A limit exit rests at the rule's own level (stop, trailing level, target), or for time-based
  // rules at the far touch, which does not cross the spread; rounded to the tick on our side.
  const exitSide = long ? 'sell' : 'buy';
  const restingPrice = level ?? (long ? quote.ask : quote.bid);
  const limitPrice = Rounding.priceToTick(restingPrice, config.tickSize, exitSide);
  return { rule, orderType: 'limit', limitPrice, triggerPrice: price, detail, spreadBps, crossesWideSpread: false };
}
