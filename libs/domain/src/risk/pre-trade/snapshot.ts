import { dec, Decimal, ZERO } from '@tollgate/kernel';
import type { OrderSide, OrderType, TradingStatus } from '@tollgate/contracts';
import type { AutoModeState } from '../../auto-mode/auto-mode.state';
import type { OverrideState } from '../../override/override.state';
import type { CompiledAccountLimits, CompiledRiskLimits } from '../limits/limits';
import { RiskActivityLog } from './activity-log';
import { carriesLimitPrice, directionOf, type DecimalInput, type TradingMode } from './request';

export interface ReferencePriceInput {
  /** The last mid: the reference for collars, market-order notional and exposure. */
  mid: DecimalInput;
  bid?: DecimalInput | null;
  ask?: DecimalInput | null;
  at: Date | string;
}

export interface PositionInput {
  symbol: string;
  /** Signed: negative is short. */
  quantity: DecimalInput;
  /** Values the position when no reference price is known at all. */
  averagePrice?: DecimalInput | null;
}

export interface WorkingOrderInput {
  clientOrderId: string;
  intentId: string;
  strategy: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** What could still fill. */
  remainingQuantity: DecimalInput;
  limitPrice?: DecimalInput | null;
  stopPrice?: DecimalInput | null;
}

export interface InstrumentInfoInput {
  tickSize?: DecimalInput | null;
  shortable: boolean;
}

export interface TradingStateView {
  status: TradingStatus;
  cause: string;
}

/** Everything a pre-trade check reads, for one account, as the risk service's projections hold it. */
export interface RiskSnapshotInput {
  accountId: string;
  mode: TradingMode;
  /** The limits in force; null denies everything (default deny). */
  limits: CompiledRiskLimits | null;
  /** null = unknown, which fails closed; never pass zero for unknown. */
  equity: DecimalInput | null;
  /** Buying power before our working orders' reservations; null = unknown. */
  buyingPower: DecimalInput | null;
  positions: readonly PositionInput[];
  workingOrders: readonly WorkingOrderInput[];
  /** Filled quantity per intent, for the intent-level checks. */
  intentFills?: Readonly<Record<string, DecimalInput>>;
  referencePrices: Readonly<Record<string, ReferencePriceInput>>;
  instruments: Readonly<Record<string, InstrumentInfoInput>>;
  /** Scope (`account:ID`, `strategy:NAME`) → state; a scope not listed is ACTIVE. */
  tradingStates?: Readonly<Record<string, TradingStateView>>;
  /** Engaged kill-switch scopes. */
  killSwitches?: Iterable<string>;
  disabledStrategies?: Readonly<Record<string, { cause: string }>>;
  venueHalts?: { market: boolean; symbols: Iterable<string> };
  overrides?: Iterable<OverrideState>;
  autoMode?: AutoModeState | null;
  activity?: RiskActivityLog;
}

export interface ReferencePrice {
  mid: Decimal;
  bid: Decimal | null;
  ask: Decimal | null;
  atMs: number;
}

export interface WorkingOrder {
  clientOrderId: string;
  intentId: string;
  strategy: string | null;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  remainingQuantity: Decimal;
  limitPrice: Decimal | null;
  stopPrice: Decimal | null;
}

/** Our own best resting order on one side; a resting market order crosses anything. */
export interface OwnRestingOrder {
  clientOrderId: string;
  price: Decimal | null;
}

export interface SymbolBook {
  symbol: string;
  position: Decimal;
  /** Remaining quantity of working buys (buy, buy_to_cover) and sells (sell, sell_short). */
  workingBuy: Decimal;
  workingSell: Decimal;
  /** Price the symbol's exposure is valued at; null when nothing values it. */
  valuation: Decimal | null;
  highestOwnBid: OwnRestingOrder | null;
  lowestOwnAsk: OwnRestingOrder | null;
}

/**
 * Worst case for one symbol if every working order on one side fills: the long extreme is
 * position + working buys, the short extreme position − working sells.
 */
export interface WorstCase {
  longExtreme: Decimal;
  shortExtreme: Decimal;
  /** The larger magnitude of the two extremes. */
  quantity: Decimal;
  notional: Decimal | null;
  open: boolean;
}

export function worstCase(position: Decimal, workingBuy: Decimal, workingSell: Decimal, price: Decimal | null): WorstCase {
  const longExtreme = position.plus(workingBuy);
  const shortExtreme = position.minus(workingSell);
  const quantity = Decimal.max(longExtreme.abs(), shortExtreme.abs());
  return { longExtreme, shortExtreme, quantity, notional: price ? quantity.times(price) : null, open: !quantity.isZero() };
}

/** One symbol's book, its worst case, and the buying power its opening orders reserve. */
export interface SymbolExposure {
  book: SymbolBook;
  worst: WorstCase;
  reserved: Decimal;
}

/**
 * What one symbol holds and works comes to, computed the same way for `RiskSnapshot` and `LiveRiskBook`
 * (a property test holds the two equal). Without a reference price the symbol is valued at the
 * position's average price, else at the first working order's limit (or stop) price.
 */
export function symbolExposure(symbol: string, position: Decimal, averagePrice: Decimal | null, orders: Iterable<WorkingOrder>, reference: ReferencePrice | null): SymbolExposure {
  const book: SymbolBook = { symbol, position, workingBuy: ZERO, workingSell: ZERO, valuation: null, highestOwnBid: null, lowestOwnAsk: null };
  let fallback = averagePrice;
  let reserved = ZERO;
  for (const order of orders) {
    const buying = directionOf(order.side) === 'buy';
    if (buying) book.workingBuy = book.workingBuy.plus(order.remainingQuantity);
    else book.workingSell = book.workingSell.plus(order.remainingQuantity);
    fallback ??= order.limitPrice ?? order.stopPrice;
    if (order.type === 'market' || carriesLimitPrice(order.type)) {
      const resting: OwnRestingOrder = { clientOrderId: order.clientOrderId, price: order.type === 'market' ? null : order.limitPrice };
      if (buying) book.highestOwnBid = better(book.highestOwnBid, resting, 'buy');
      else book.lowestOwnAsk = better(book.lowestOwnAsk, resting, 'sell');
    }
    if (order.side === 'buy' || order.side === 'sell_short') {
      const reservationPrice = order.limitPrice ?? reference?.mid ?? order.stopPrice;
      // An opening order nothing can value reserves nothing we can compute; the symbol is then unvalued and fails closed.
      if (reservationPrice) reserved = reserved.plus(order.remainingQuantity.times(reservationPrice));
    }
  }
  book.valuation = reference?.mid ?? fallback;
  return { book, worst: worstCase(book.position, book.workingBuy, book.workingSell, book.valuation), reserved };
}

export function parseWorkingOrder(input: WorkingOrderInput): WorkingOrder {
  return {
    clientOrderId: input.clientOrderId,
    intentId: input.intentId,
    strategy: input.strategy,
    symbol: input.symbol,
    side: input.side,
    type: input.type,
    remainingQuantity: dec(input.remainingQuantity, `workingOrders.${input.clientOrderId}.remainingQuantity`),
    limitPrice: input.limitPrice ? dec(input.limitPrice, `workingOrders.${input.clientOrderId}.limitPrice`) : null,
    stopPrice: input.stopPrice ? dec(input.stopPrice, `workingOrders.${input.clientOrderId}.stopPrice`) : null,
  };
}

export function parseReferencePrice(symbol: string, input: ReferencePriceInput): ReferencePrice {
  return {
    mid: dec(input.mid, `referencePrices.${symbol}.mid`),
    bid: input.bid ? dec(input.bid, `referencePrices.${symbol}.bid`) : null,
    ask: input.ask ? dec(input.ask, `referencePrices.${symbol}.ask`) : null,
    atMs: typeof input.at === 'string' ? Date.parse(input.at) : input.at.getTime(),
  };
}

export interface ExposureTotals {
  /** Σ per-symbol worst-case notional. */
  gross: Decimal;
  /** Σ long extremes × price, and Σ short extremes × price: the two ends of net notional. */
  netHigh: Decimal;
  netLow: Decimal;
  openPositions: number;
  sectors: Map<string, Decimal>;
  /** Buying power reserved by working opening orders (buy, sell_short), at limit price or reference. */
  reservedBuyingPower: Decimal;
  openOrders: number;
  /** Symbols held or worked whose exposure nothing values (no reference, no average, no limit). */
  unvalued: string[];
}

/**
 * What a pre-trade check reads about one account. Two implementations: `RiskSnapshot` (immutable,
 * built whole from a `RiskSnapshotInput`) and `LiveRiskBook` (mutable, updated one change at a time
 * by the risk service, so a quote or an order event costs O(orders in that symbol), not a rebuild).
 */
export interface RiskView {
  readonly accountId: string;
  readonly mode: TradingMode;
  readonly limits: CompiledRiskLimits | null;
  readonly accountLimits: CompiledAccountLimits | null;
  readonly equity: Decimal | null;
  readonly buyingPower: Decimal | null;
  readonly books: ReadonlyMap<string, SymbolBook>;
  readonly workingById: ReadonlyMap<string, WorkingOrder>;
  readonly intentWorking: ReadonlyMap<string, Decimal>;
  readonly intentFilled: ReadonlyMap<string, Decimal>;
  readonly instruments: Readonly<Record<string, InstrumentInfoInput>>;
  readonly tradingStates: Readonly<Record<string, TradingStateView>>;
  readonly killSwitches: ReadonlySet<string>;
  readonly disabledStrategies: Readonly<Record<string, { cause: string }>>;
  readonly marketHalted: boolean;
  readonly haltedSymbols: ReadonlySet<string>;
  readonly overrides: ReadonlyMap<string, OverrideState>;
  readonly autoMode: AutoModeState | null;
  readonly activity: RiskActivityLog;
  readonly totals: ExposureTotals;
  readonly worst: ReadonlyMap<string, WorstCase>;
  /** The symbol's last reference price, or null when none is known. */
  referencePrice(symbol: string): ReferencePrice | null;
  tickSize(symbol: string): Decimal | null;
}

/** An immutable, pre-computed view: built once per change of the account's state, read by many checks. */
export class RiskSnapshot implements RiskView {
  readonly accountId: string;
  readonly mode: TradingMode;
  readonly limits: CompiledRiskLimits | null;
  readonly accountLimits: CompiledAccountLimits | null;
  readonly equity: Decimal | null;
  readonly buyingPower: Decimal | null;
  readonly books = new Map<string, SymbolBook>();
  readonly workingById = new Map<string, WorkingOrder>();
  readonly intentWorking = new Map<string, Decimal>();
  readonly intentFilled = new Map<string, Decimal>();
  readonly instruments: Readonly<Record<string, InstrumentInfoInput>>;
  // Parsed on first use: the market-data universe can be far larger than what one account holds.
  private readonly referenceInputs: Readonly<Record<string, ReferencePriceInput>>;
  private readonly parsedReferences = new Map<string, ReferencePrice | null>();
  private readonly parsedTickSizes = new Map<string, Decimal | null>();
  readonly tradingStates: Readonly<Record<string, TradingStateView>>;
  readonly killSwitches: ReadonlySet<string>;
  readonly disabledStrategies: Readonly<Record<string, { cause: string }>>;
  readonly marketHalted: boolean;
  readonly haltedSymbols: ReadonlySet<string>;
  readonly overrides = new Map<string, OverrideState>();
  readonly autoMode: AutoModeState | null;
  readonly activity: RiskActivityLog;
  readonly totals: ExposureTotals;
  readonly worst = new Map<string, WorstCase>();

  constructor(input: RiskSnapshotInput) {
    this.accountId = input.accountId;
    this.mode = input.mode;
    this.limits = input.limits;
    this.accountLimits = input.limits?.account(input.accountId) ?? null;
    this.equity = input.equity === null ? null : dec(input.equity, 'equity');
    this.buyingPower = input.buyingPower === null ? null : dec(input.buyingPower, 'buyingPower');
    this.instruments = input.instruments;
    this.tradingStates = input.tradingStates ?? {};
    this.killSwitches = new Set(input.killSwitches ?? []);
    this.disabledStrategies = input.disabledStrategies ?? {};
    this.marketHalted = input.venueHalts?.market ?? false;
    this.haltedSymbols = new Set(input.venueHalts?.symbols ?? []);
    this.autoMode = input.autoMode ?? null;
    this.activity = input.activity ?? new RiskActivityLog();
    for (const override of input.overrides ?? []) {
      if (override.status !== 'none') this.overrides.set(override.request.overrideId, override);
    }
    this.referenceInputs = input.referencePrices;
    for (const [intentId, filled] of Object.entries(input.intentFills ?? {})) this.intentFilled.set(intentId, dec(filled, `intentFills.${intentId}`));

    // Positions are summed per symbol; the last average price given for a symbol values it.
    const positions = new Map<string, { quantity: Decimal; averagePrice: Decimal | null }>();
    for (const position of input.positions) {
      const held = positions.get(position.symbol) ?? { quantity: ZERO, averagePrice: null };
      held.quantity = held.quantity.plus(dec(position.quantity, `positions.${position.symbol}.quantity`));
      if (position.averagePrice) held.averagePrice = dec(position.averagePrice, `positions.${position.symbol}.averagePrice`);
      positions.set(position.symbol, held);
    }
    const ordersBySymbol = new Map<string, WorkingOrder[]>();
    for (const order of input.workingOrders.map(parseWorkingOrder)) {
      this.workingById.set(order.clientOrderId, order);
      this.intentWorking.set(order.intentId, (this.intentWorking.get(order.intentId) ?? ZERO).plus(order.remainingQuantity));
      const orders = ordersBySymbol.get(order.symbol) ?? [];
      orders.push(order);
      ordersBySymbol.set(order.symbol, orders);
    }

    let reservedBuyingPower = ZERO;
    let gross = ZERO;
    let netHigh = ZERO;
    let netLow = ZERO;
    let openPositions = 0;
    const sectors = new Map<string, Decimal>();
    const unvalued: string[] = [];
    for (const symbol of new Set([...positions.keys(), ...ordersBySymbol.keys()])) {
      const held = positions.get(symbol);
      const { book, worst, reserved } = symbolExposure(symbol, held?.quantity ?? ZERO, held?.averagePrice ?? null, ordersBySymbol.get(symbol) ?? [], this.referencePrice(symbol));
      this.books.set(symbol, book);
      this.worst.set(symbol, worst);
      reservedBuyingPower = reservedBuyingPower.plus(reserved);
      if (worst.open) openPositions += 1;
      if (!book.valuation || !worst.notional) {
        if (worst.open) unvalued.push(symbol);
        continue;
      }
      gross = gross.plus(worst.notional);
      netHigh = netHigh.plus(worst.longExtreme.times(book.valuation));
      netLow = netLow.plus(worst.shortExtreme.times(book.valuation));
      const sector = this.limits?.sectorOf(book.symbol);
      if (sector) sectors.set(sector, (sectors.get(sector) ?? ZERO).plus(worst.notional));
    }
    this.totals = { gross, netHigh, netLow, openPositions, sectors, reservedBuyingPower, openOrders: this.workingById.size, unvalued };
  }

  /** The symbol's last reference price, or null when none is known. */
  referencePrice(symbol: string): ReferencePrice | null {
    let reference = this.parsedReferences.get(symbol);
    if (reference === undefined) {
      const input = ownEntry(this.referenceInputs, symbol);
      reference = input ? parseReferencePrice(symbol, input) : null;
      this.parsedReferences.set(symbol, reference);
    }
    return reference;
  }

  tickSize(symbol: string): Decimal | null {
    let tick = this.parsedTickSizes.get(symbol);
    if (tick === undefined) {
      const info = ownEntry(this.instruments, symbol);
      tick = info?.tickSize ? dec(info.tickSize, `instruments.${symbol}.tickSize`) : null;
      this.parsedTickSizes.set(symbol, tick);
    }
    return tick;
  }
}

function better(current: OwnRestingOrder | null, candidate: OwnRestingOrder, direction: 'buy' | 'sell'): OwnRestingOrder {
  if (!current) return candidate;
  if (current.price === null) return current;
  if (candidate.price === null) return candidate;
  if (direction === 'buy') return candidate.price.greaterThan(current.price) ? candidate : current;
  return candidate.price.lessThan(current.price) ? candidate : current;
}

/** A record's own entry only, so a key like `constructor` never reads the prototype. */
export function ownEntry<Value>(record: Readonly<Record<string, Value>>, key: string): Value | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export function createRiskSnapshot(input: RiskSnapshotInput): RiskSnapshot {
  return new RiskSnapshot(input);
}
