import { dec, DomainError, Rounding, ZERO, type Decimal } from '@tollgate/kernel';
import type { OrderFilledData } from '@tollgate/contracts';

/**
 * Fill quality: how far each fill was from the mid-quote when its order arrived.
 * Slippage in basis points is signed so that positive is a cost: a buy above the arrival mid, or a
 * sell below it. Reports round basis points to two places (Rounding.basisPoints); money stays exact.
 */

export interface FillForQuality {
  orderId: string;
  fillId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: Decimal;
  price: Decimal;
  fee: Decimal;
  /** The mid when the order arrived; fills without one are counted but not measured. */
  arrivalMid?: Decimal;
  at: string;
}

export interface FillQuality {
  orderId: string;
  fillId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: Decimal;
  price: Decimal;
  arrivalMid?: Decimal;
  /** (price − mid) / mid × 10 000, sign flipped for sells; rounded to 0.01 bp. */
  slippageBps?: Decimal;
  /** (price − mid) × quantity, sign flipped for sells: money lost to slippage (negative: gained). */
  slippageCost?: Decimal;
}

const BASIS_POINTS = dec('10000');

function direction(side: 'buy' | 'sell'): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}

/** Signed slippage in basis points, unrounded: positive is a cost. */
export function slippageBps(side: 'buy' | 'sell', price: Decimal, arrivalMid: Decimal): Decimal {
  if (!arrivalMid.gt(0)) throw new DomainError('INVALID_ARRIVAL_MID', `arrivalMid=${arrivalMid.toFixed()} must be positive`);
  return price.minus(arrivalMid).div(arrivalMid).mul(BASIS_POINTS).mul(direction(side));
}

export function fillQuality(fill: FillForQuality): FillQuality {
  const measured = fill.arrivalMid
    ? {
        arrivalMid: fill.arrivalMid,
        slippageBps: Rounding.basisPoints(slippageBps(fill.side, fill.price, fill.arrivalMid)),
        slippageCost: fill.price.minus(fill.arrivalMid).mul(fill.quantity).mul(direction(fill.side)),
      }
    : {};
  return { orderId: fill.orderId, fillId: fill.fillId, symbol: fill.symbol, side: fill.side, quantity: fill.quantity, price: fill.price, ...measured };
}

export function fillForQualityFromOrderFilled(data: OrderFilledData): FillForQuality {
  return {
    orderId: data.orderId,
    fillId: data.fillId,
    symbol: data.symbol,
    side: data.side,
    quantity: dec(data.quantity, 'quantity'),
    price: dec(data.price, 'price'),
    fee: dec(data.fee, 'fee'),
    ...(data.arrivalMid ? { arrivalMid: dec(data.arrivalMid, 'arrivalMid') } : {}),
    at: data.filledAt,
  };
}

interface Aggregate {
  filledQuantity: Decimal;
  notional: Decimal;
  fees: Decimal;
  /** Over measured fills only. */
  measuredQuantity: Decimal;
  arrivalNotional: Decimal;
  slippageCost: Decimal;
}

function aggregate(fills: readonly FillForQuality[]): Aggregate {
  const total: Aggregate = { filledQuantity: ZERO, notional: ZERO, fees: ZERO, measuredQuantity: ZERO, arrivalNotional: ZERO, slippageCost: ZERO };
  for (const fill of fills) {
    total.filledQuantity = total.filledQuantity.plus(fill.quantity);
    total.notional = total.notional.plus(fill.quantity.mul(fill.price));
    total.fees = total.fees.plus(fill.fee);
    if (fill.arrivalMid) {
      total.measuredQuantity = total.measuredQuantity.plus(fill.quantity);
      total.arrivalNotional = total.arrivalNotional.plus(fill.quantity.mul(fill.arrivalMid));
      total.slippageCost = total.slippageCost.plus(fill.price.minus(fill.arrivalMid).mul(fill.quantity).mul(direction(fill.side)));
    }
  }
  return total;
}

/** Slippage cost over the arrival notional of the measured fills: a notional-weighted average in bps. */
function weightedBps(total: Aggregate): Decimal | undefined {
  return total.arrivalNotional.isZero() ? undefined : Rounding.basisPoints(total.slippageCost.div(total.arrivalNotional).mul(BASIS_POINTS));
}

export interface OrderFillQualityReport {
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  filledQuantity: Decimal;
  averagePrice: Decimal;
  /** The arrival mid of the order (of its first measured fill). */
  arrivalMid?: Decimal;
  slippageBps?: Decimal;
  slippageCost: Decimal;
  fees: Decimal;
  /** How many times a chase repriced the order, when the caller knows. */
  reprices?: number;
  fills: FillQuality[];
}

/** The report for one order from its fills (all of the same order). */
export function orderFillQualityReport(fills: readonly FillForQuality[], options: { reprices?: number } = {}): OrderFillQualityReport {
  const first = fills[0];
  if (!first) throw new DomainError('NO_FILLS', 'a fill quality report needs at least one fill');
  const other = fills.find((fill) => fill.orderId !== first.orderId);
  if (other) throw new DomainError('MIXED_ORDERS', `fills of order ${other.orderId} were mixed into the report of order ${first.orderId}`);
  const total = aggregate(fills);
  const arrivalMid = fills.find((fill) => fill.arrivalMid)?.arrivalMid;
  const bps = weightedBps(total);
  return {
    orderId: first.orderId,
    symbol: first.symbol,
    side: first.side,
    filledQuantity: total.filledQuantity,
    averagePrice: total.notional.div(total.filledQuantity),
    ...(arrivalMid ? { arrivalMid } : {}),
    ...(bps ? { slippageBps: bps } : {}),
    slippageCost: total.slippageCost,
    fees: total.fees,
    ...(options.reprices === undefined ? {} : { reprices: options.reprices }),
    fills: fills.map(fillQuality),
  };
}

export interface DailyFillQualityReport {
  /** The trading day, YYYY-MM-DD in the report's time zone. */
  day: string;
  orders: number;
  fills: number;
  /** Fills without an arrival mid are counted here but not in the slippage figures. */
  unmeasuredFills: number;
  notional: Decimal;
  /** Notional-weighted over measured fills. */
  slippageBps?: Decimal;
  slippageCost: Decimal;
  fees: Decimal;
  /** The order with the highest slippage that day. */
  worstOrder?: { orderId: string; slippageBps: Decimal };
}

/** The calendar day of an instant in a time zone (New York by default: the US equity trading day). */
export function tradingDayOf(at: string, timeZone = 'America/New_York'): string {
  const instant = new Date(at);
  if (Number.isNaN(instant.getTime())) throw new DomainError('INVALID_TIMESTAMP', `fill time ${JSON.stringify(at)} is not a timestamp`);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

/** One report per trading day, oldest first. */
export function dailyFillQualityReports(fills: readonly FillForQuality[], timeZone = 'America/New_York'): DailyFillQualityReport[] {
  const byDay = new Map<string, FillForQuality[]>();
  for (const fill of fills) {
    const day = tradingDayOf(fill.at, timeZone);
    byDay.set(day, [...(byDay.get(day) ?? []), fill]);
  }
  return [...byDay.keys()].sort().map((day) => {
    const dayFills = byDay.get(day)!;
    const total = aggregate(dayFills);
    const byOrder = new Map<string, FillForQuality[]>();
    for (const fill of dayFills) byOrder.set(fill.orderId, [...(byOrder.get(fill.orderId) ?? []), fill]);
    let worstOrder: DailyFillQualityReport['worstOrder'];
    for (const [orderId, orderFills] of byOrder) {
      const bps = weightedBps(aggregate(orderFills));
      if (bps && (!worstOrder || bps.gt(worstOrder.slippageBps))) worstOrder = { orderId, slippageBps: bps };
    }
    const bps = weightedBps(total);
    return {
      day,
      orders: byOrder.size,
      fills: dayFills.length,
      unmeasuredFills: dayFills.filter((fill) => !fill.arrivalMid).length,
      notional: total.notional,
      ...(bps ? { slippageBps: bps } : {}),
      slippageCost: total.slippageCost,
      fees: total.fees,
      ...(worstOrder ? { worstOrder } : {}),
    };
  });
}
