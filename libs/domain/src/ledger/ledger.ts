import { dec, decString, Decimal, DomainError, ZERO, type DecimalString } from '@tollgate/kernel';
import type { BrokerPosition, OrderFilledData } from '@tollgate/contracts';

/**
 * The ledger: positions, P&L, cash and equity folded from fills (and marks), with FIFO lots.
 *
 * Conventions (docs/ledger.md):
 * - A position is signed: positive long, negative short. Every open lot has the position's sign;
 *   a fill against the position closes lots oldest first, and what is left of it opens a lot the
 *   other way (a flip through zero).
 * - Realized P&L is gross: (exit − entry) × closed quantity for longs, (entry − exit) × closed
 *   quantity for shorts. Fees are kept apart; net P&L = realized + unrealized − fees.
 * - Arithmetic is exact (decimal, no rounding), so a replay equals the live projection exactly and
 *   realized + unrealized − fees equals the change in equity exactly. Rounding happens only when a
 *   value is shown (`ledgerReport`).
 * - Unrealized P&L needs a mark. A position with no mark is valued at its cost: its unrealized
 *   P&L is zero and `marked` says so — an unknown price is never presented as a price.
 */

export interface LedgerFill {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: Decimal;
  price: Decimal;
  fee: Decimal;
  /** ISO-8601 time of the fill. */
  at: string;
  fillId?: string;
}

export interface LedgerMark {
  symbol: string;
  price: Decimal;
  at: string;
}

export type LedgerEvent = { kind: 'fill'; fill: LedgerFill } | { kind: 'mark'; mark: LedgerMark };

export interface Lot {
  /** Signed like the position it belongs to. */
  quantity: Decimal;
  price: Decimal;
  openedAt: string;
}

export interface PositionState {
  symbol: string;
  /** Oldest first. */
  lots: readonly Lot[];
  realizedPnl: Decimal;
  fees: Decimal;
}

export interface MarkState {
  price: Decimal;
  at: string;
}

export interface LedgerState {
  initialCash: Decimal;
  cash: Decimal;
  positions: Readonly<Record<string, PositionState>>;
  marks: Readonly<Record<string, MarkState>>;
}

export function emptyLedger(initialCash: Decimal = ZERO): LedgerState {
  return { initialCash, cash: initialCash, positions: {}, marks: {} };
}

function emptyPosition(symbol: string): PositionState {
  return { symbol, lots: [], realizedPnl: ZERO, fees: ZERO };
}

function validateFill(fill: LedgerFill): void {
  if (!fill.quantity.gt(0)) throw new DomainError('INVALID_FILL', `fill ${fill.fillId ?? ''} quantity=${decString(fill.quantity)} must be positive`);
  if (!fill.price.gt(0)) throw new DomainError('INVALID_FILL', `fill ${fill.fillId ?? ''} price=${decString(fill.price)} must be positive`);
}

/** Applies one fill: closes lots FIFO, opens what is left, moves cash by proceeds and fee. */
export function applyFill(state: LedgerState, fill: LedgerFill): LedgerState {
  validateFill(fill);
  const position = state.positions[fill.symbol] ?? emptyPosition(fill.symbol);
  const lots = [...position.lots];
  const direction = fill.side === 'buy' ? 1 : -1;
  let remaining = fill.quantity; // unsigned, still to allocate
  let realized = ZERO;
  while (remaining.gt(0) && lots.length > 0 && signOf(lots[0]!.quantity) !== direction) {
    const lot = lots[0]!;
    const lotSign = signOf(lot.quantity); // +1 long lot, −1 short lot
    const closed = Decimal.min(remaining, lot.quantity.abs());
    // Long lot closed by a sell: (exit − entry) × q; short lot closed by a buy: (entry − exit) × q.
    realized = realized.plus(fill.price.minus(lot.price).mul(closed).mul(lotSign));
    const left = lot.quantity.minus(closed.mul(lotSign));
    if (left.isZero()) lots.shift();
    else lots[0] = { ...lot, quantity: left };
    remaining = remaining.minus(closed);
  }
  if (remaining.gt(0)) lots.push({ quantity: remaining.mul(direction), price: fill.price, openedAt: fill.at });
  const signedQuantity = fill.quantity.mul(direction);
  return {
    ...state,
    cash: state.cash.minus(signedQuantity.mul(fill.price)).minus(fill.fee),
    positions: {
      ...state.positions,
      [fill.symbol]: {
        symbol: fill.symbol,
        lots,
        realizedPnl: position.realizedPnl.plus(realized),
        fees: position.fees.plus(fill.fee),
      },
    },
  };
}

/**
 * The broker's position taken as truth (reconciliation's `PositionAdjusted`): the position moves by
 * `quantityDelta` and what is left open is one lot at the broker's average price. It is not a trade, so
 * cash and realized P&L do not move; the change in cost is booked as capital (`initialCash`), like a
 * cash adjustment, so that equity − initialCash = net P&L still holds exactly.
 */
export function applyPositionAdjustment(state: LedgerState, adjustment: { symbol: string; quantityDelta: Decimal; averagePrice: Decimal; at: string }): LedgerState {
  const position = state.positions[adjustment.symbol] ?? emptyPosition(adjustment.symbol);
  const quantity = positionQuantity(position).plus(adjustment.quantityDelta);
  if (!quantity.isZero() && !adjustment.averagePrice.gt(0)) {
    throw new DomainError('INVALID_ADJUSTMENT', `position adjustment for ${adjustment.symbol} leaves ${decString(quantity)} open at average price ${decString(adjustment.averagePrice)}, which must be positive`);
  }
  const lots: Lot[] = quantity.isZero() ? [] : [{ quantity, price: adjustment.averagePrice, openedAt: adjustment.at }];
  const adjusted: PositionState = { ...position, lots };
  return {
    ...state,
    initialCash: state.initialCash.plus(costBasis(adjusted).minus(costBasis(position))),
    positions: { ...state.positions, [adjustment.symbol]: adjusted },
  };
}

/**
 * Cash that is not a trade's: an opening balance or the broker's cash adopted (`CashAdjusted`). It is
 * capital, so it moves `initialCash` with `cash`: P&L is what trading made, not what was paid in.
 */
export function applyCashMovement(state: LedgerState, amount: Decimal): LedgerState {
  return { ...state, initialCash: state.initialCash.plus(amount), cash: state.cash.plus(amount) };
}

function signOf(quantity: Decimal): 1 | -1 {
  return quantity.isNegative() ? -1 : 1;
}

/** Records a mark; a mark older than the one held is stale and ignored. */
export function applyMark(state: LedgerState, mark: LedgerMark): LedgerState {
  if (!mark.price.gt(0)) throw new DomainError('INVALID_MARK', `mark for ${mark.symbol} price=${decString(mark.price)} must be positive`);
  const current = state.marks[mark.symbol];
  if (current && Date.parse(current.at) > Date.parse(mark.at)) return state;
  return { ...state, marks: { ...state.marks, [mark.symbol]: { price: mark.price, at: mark.at } } };
}

export function applyLedgerEvent(state: LedgerState, event: LedgerEvent): LedgerState {
  return event.kind === 'fill' ? applyFill(state, event.fill) : applyMark(state, event.mark);
}

/** Folds events from an empty ledger, in the order given. */
export function projectLedger(events: Iterable<LedgerEvent>, initialCash: Decimal = ZERO): LedgerState {
  let state = emptyLedger(initialCash);
  for (const event of events) state = applyLedgerEvent(state, event);
  return state;
}

/** Orders events by time; events at the same time keep their order (a stable sort). */
export function chronological(events: readonly LedgerEvent[]): LedgerEvent[] {
  const time = (event: LedgerEvent) => Date.parse(event.kind === 'fill' ? event.fill.at : event.mark.at);
  return events
    .map((event, index) => ({ event, index, time: time(event) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ event }) => event);
}

// ---- Views -------------------------------------------------------------------------------------

export function positionQuantity(position: PositionState): Decimal {
  return position.lots.reduce((total, lot) => total.plus(lot.quantity), ZERO);
}

/** Σ lot quantity × lot price, signed: what the open lots cost. */
export function costBasis(position: PositionState): Decimal {
  return position.lots.reduce((total, lot) => total.plus(lot.quantity.mul(lot.price)), ZERO);
}

/** The average entry price of the open lots (FIFO), zero when flat. Exact; round it to show it. */
export function averageEntryPrice(position: PositionState): Decimal {
  const quantity = positionQuantity(position);
  return quantity.isZero() ? ZERO : costBasis(position).div(quantity);
}

export interface PositionView {
  symbol: string;
  quantity: Decimal;
  averagePrice: Decimal;
  realizedPnl: Decimal;
  unrealizedPnl: Decimal;
  fees: Decimal;
  /** The mark used, if there is one. */
  mark?: Decimal;
  /** False when the position is open and has no mark: then it is valued at cost. */
  marked: boolean;
  marketValue: Decimal;
  openLots: readonly Lot[];
}

export function positionView(state: LedgerState, symbol: string): PositionView {
  const position = state.positions[symbol] ?? emptyPosition(symbol);
  const quantity = positionQuantity(position);
  const cost = costBasis(position);
  const mark = state.marks[symbol]?.price;
  const marketValue = mark ? quantity.mul(mark) : cost;
  return {
    symbol,
    quantity,
    averagePrice: averageEntryPrice(position),
    realizedPnl: position.realizedPnl,
    unrealizedPnl: marketValue.minus(cost),
    fees: position.fees,
    ...(mark ? { mark } : {}),
    marked: Boolean(mark) || quantity.isZero(),
    marketValue,
    openLots: position.lots,
  };
}

/** Every symbol that has had a fill, sorted. */
export function positionViews(state: LedgerState): PositionView[] {
  return Object.keys(state.positions)
    .sort()
    .map((symbol) => positionView(state, symbol));
}

export interface LedgerTotals {
  realizedPnl: Decimal;
  unrealizedPnl: Decimal;
  fees: Decimal;
  /** realized + unrealized − fees */
  netPnl: Decimal;
  cash: Decimal;
  equity: Decimal;
}

export function ledgerTotals(state: LedgerState): LedgerTotals {
  let realizedPnl = ZERO;
  let unrealizedPnl = ZERO;
  let fees = ZERO;
  let marketValue = ZERO;
  for (const view of positionViews(state)) {
    realizedPnl = realizedPnl.plus(view.realizedPnl);
    unrealizedPnl = unrealizedPnl.plus(view.unrealizedPnl);
    fees = fees.plus(view.fees);
    marketValue = marketValue.plus(view.marketValue);
  }
  return {
    realizedPnl,
    unrealizedPnl,
    fees,
    netPnl: realizedPnl.plus(unrealizedPnl).minus(fees),
    cash: state.cash,
    equity: state.cash.plus(marketValue),
  };
}

export function equity(state: LedgerState): Decimal {
  return ledgerTotals(state).equity;
}

export interface EquityPoint {
  at: string;
  equity: Decimal;
  cash: Decimal;
  realizedPnl: Decimal;
  unrealizedPnl: Decimal;
  fees: Decimal;
  /** The highest equity so far, and how far below it this point is (≥ 0). */
  highWaterMark: Decimal;
  drawdown: Decimal;
}

/** One point after each event, in the order given (pass `chronological(events)` for time order). */
export function equityCurve(events: Iterable<LedgerEvent>, initialCash: Decimal = ZERO): EquityPoint[] {
  let state = emptyLedger(initialCash);
  let highWaterMark = initialCash;
  const points: EquityPoint[] = [];
  for (const event of events) {
    state = applyLedgerEvent(state, event);
    const totals = ledgerTotals(state);
    if (totals.equity.gt(highWaterMark)) highWaterMark = totals.equity;
    points.push({
      at: event.kind === 'fill' ? event.fill.at : event.mark.at,
      equity: totals.equity,
      cash: totals.cash,
      realizedPnl: totals.realizedPnl,
      unrealizedPnl: totals.unrealizedPnl,
      fees: totals.fees,
      highWaterMark,
      drawdown: highWaterMark.minus(totals.equity),
    });
  }
  return points;
}

/** Open positions as a broker reports them (signed quantity, average entry price). */
export function brokerPositions(state: LedgerState, pricePlaces = 8): BrokerPosition[] {
  return positionViews(state)
    .filter((view) => !view.quantity.isZero())
    .map((view) => ({
      symbol: view.symbol,
      quantity: decString(view.quantity),
      averagePrice: decString(view.averagePrice.toDecimalPlaces(pricePlaces)),
    }));
}

/** The ledger's reading of a fill event (`OrderFilled`, `BrokerFillAdopted`): they carry the same fill fields. */
export function ledgerFillOf(data: Pick<OrderFilledData, 'fillId' | 'symbol' | 'side' | 'quantity' | 'price' | 'fee' | 'filledAt'>): LedgerFill & { fillId: string } {
  return {
    fillId: data.fillId,
    symbol: data.symbol,
    side: data.side,
    quantity: dec(data.quantity, 'quantity'),
    price: dec(data.price, 'price'),
    fee: dec(data.fee, 'fee'),
    at: data.filledAt,
  };
}

// ---- Snapshots ---------------------------------------------------------------------------------

export interface LedgerSnapshot {
  initialCash: DecimalString;
  cash: DecimalString;
  positions: Array<{
    symbol: string;
    lots: Array<{ quantity: DecimalString; price: DecimalString; openedAt: string }>;
    realizedPnl: DecimalString;
    fees: DecimalString;
  }>;
  marks: Array<{ symbol: string; price: DecimalString; at: string }>;
}

/** The state as JSON-safe decimal strings, so a projection can checkpoint and resume. */
export function ledgerSnapshot(state: LedgerState): LedgerSnapshot {
  return {
    initialCash: decString(state.initialCash),
    cash: decString(state.cash),
    positions: Object.keys(state.positions)
      .sort()
      .map((symbol) => {
        const position = state.positions[symbol]!;
        return {
          symbol,
          lots: position.lots.map((lot) => ({ quantity: decString(lot.quantity), price: decString(lot.price), openedAt: lot.openedAt })),
          realizedPnl: decString(position.realizedPnl),
          fees: decString(position.fees),
        };
      }),
    marks: Object.keys(state.marks)
      .sort()
      .map((symbol) => ({ symbol, price: decString(state.marks[symbol]!.price), at: state.marks[symbol]!.at })),
  };
}

export function ledgerFromSnapshot(snapshot: LedgerSnapshot): LedgerState {
  const positions: Record<string, PositionState> = {};
  for (const position of snapshot.positions) {
    positions[position.symbol] = {
      symbol: position.symbol,
      lots: position.lots.map((lot) => ({ quantity: dec(lot.quantity, 'lot quantity'), price: dec(lot.price, 'lot price'), openedAt: lot.openedAt })),
      realizedPnl: dec(position.realizedPnl, 'realizedPnl'),
      fees: dec(position.fees, 'fees'),
    };
  }
  const marks: Record<string, MarkState> = {};
  for (const mark of snapshot.marks) marks[mark.symbol] = { price: dec(mark.price, 'mark price'), at: mark.at };
  return { initialCash: dec(snapshot.initialCash, 'initialCash'), cash: dec(snapshot.cash, 'cash'), positions, marks };
}

/** Fills and marks in time order (fills first at equal times, in input order) folded into a ledger. */
export function ledgerFromFillsAndMarks(fills: readonly LedgerFill[], marks: readonly LedgerMark[] = [], initialCash: Decimal = ZERO): LedgerState {
  const events: LedgerEvent[] = [
    ...fills.map((fill): LedgerEvent => ({ kind: 'fill', fill })),
    ...marks.map((mark): LedgerEvent => ({ kind: 'mark', mark })),
  ];
  return projectLedger(chronological(events), initialCash);
}
