import { dec, ZERO, type Decimal } from '@tollgate/kernel';
import type { AutoModeState } from '../../auto-mode/auto-mode.state';
import type { OverrideState } from '../../override/override.state';
import type { CompiledAccountLimits, CompiledRiskLimits } from '../limits/limits';
import { RiskActivityLog } from './activity-log';
import type { DecimalInput, TradingMode } from './request';
import {
  ownEntry,
  parseReferencePrice,
  parseWorkingOrder,
  symbolExposure,
  type ExposureTotals,
  type InstrumentInfoInput,
  type ReferencePrice,
  type ReferencePriceInput,
  type RiskView,
  type SymbolBook,
  type TradingStateView,
  type WorkingOrder,
  type WorkingOrderInput,
  type WorstCase,
} from './snapshot';

/**
 * Who holds a scope's trading state: `board` is the trading-state aggregate (a person, a breaker, a
 * watchdog); `readiness` is reconciliation's verdict on the account (not ready → HALTED). Listed in the
 * order a tie between equally restrictive states is shown.
 */
export const TRADING_STATE_SOURCES = ['board', 'readiness'] as const;
export type TradingStateSource = (typeof TRADING_STATE_SOURCES)[number];

const RESTRICTIVENESS = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;

/** The most restrictive state the sources hold; on a tie the source listed first in TRADING_STATE_SOURCES. */
function strictestOf(sources: ReadonlyMap<TradingStateSource, TradingStateView>): TradingStateView | null {
  let strictest: TradingStateView | null = null;
  for (const source of TRADING_STATE_SOURCES) {
    const state = sources.get(source);
    if (state && (strictest === null || RESTRICTIVENESS[state.status] > RESTRICTIVENESS[strictest.status])) strictest = state;
  }
  return strictest;
}

export interface LiveRiskBookOptions {
  accountId: string;
  mode: TradingMode;
  instruments?: Readonly<Record<string, InstrumentInfoInput>>;
  activity?: RiskActivityLog;
}

/** What one symbol adds to the account's totals; kept so a change to the symbol is subtract-old, add-new. */
interface SymbolContribution {
  open: boolean;
  unvalued: boolean;
  gross: Decimal;
  netHigh: Decimal;
  netLow: Decimal;
  sector: string | null;
  sectorNotional: Decimal;
  reserved: Decimal;
}

const NOTHING: SymbolContribution = Object.freeze({
  open: false,
  unvalued: false,
  gross: ZERO,
  netHigh: ZERO,
  netLow: ZERO,
  sector: null,
  sectorNotional: ZERO,
  reserved: ZERO,
});

/**
 * The risk service's view of one account, updated one change at a time. It reads exactly like a
 * `RiskSnapshot` built from the same inputs (a property test holds the two equal), but a quote or an
 * order event recomputes only its own symbol — O(working orders in that symbol) — and adjusts the
 * totals by the difference, so the service never rebuilds the whole view between two checks.
 *
 * Decimal arithmetic is exact at the kernel's 40 digits, so subtract-old/add-new accumulates no error.
 */
export class LiveRiskBook implements RiskView {
  readonly accountId: string;
  readonly mode: TradingMode;
  limits: CompiledRiskLimits | null = null;
  accountLimits: CompiledAccountLimits | null = null;
  equity: Decimal | null = null;
  buyingPower: Decimal | null = null;
  readonly books = new Map<string, SymbolBook>();
  readonly workingById = new Map<string, WorkingOrder>();
  readonly intentWorking = new Map<string, Decimal>();
  readonly intentFilled = new Map<string, Decimal>();
  instruments: Readonly<Record<string, InstrumentInfoInput>>;
  tradingStates: Readonly<Record<string, TradingStateView>> = {};
  readonly killSwitches = new Set<string>();
  disabledStrategies: Readonly<Record<string, { cause: string }>> = {};
  marketHalted = false;
  readonly haltedSymbols = new Set<string>();
  readonly overrides = new Map<string, OverrideState>();
  autoMode: AutoModeState | null = null;
  readonly activity: RiskActivityLog;
  readonly worst = new Map<string, WorstCase>();

  private readonly stateSources = new Map<string, Map<TradingStateSource, TradingStateView>>();
  private readonly positions = new Map<string, { quantity: Decimal; averagePrice: Decimal | null }>();
  private readonly ordersBySymbol = new Map<string, Map<string, WorkingOrder>>();
  private readonly references = new Map<string, ReferencePrice>();
  private readonly tickSizes = new Map<string, Decimal | null>();
  private readonly contributions = new Map<string, SymbolContribution>();
  private readonly ordersPerIntent = new Map<string, number>();
  private gross = ZERO;
  private netHigh = ZERO;
  private netLow = ZERO;
  private openPositions = 0;
  private reserved = ZERO;
  private readonly sectors = new Map<string, Decimal>();
  private readonly unvalued = new Set<string>();
  private totalsView: ExposureTotals | null = null;

  constructor(options: LiveRiskBookOptions) {
    this.accountId = options.accountId;
    this.mode = options.mode;
    this.instruments = options.instruments ?? {};
    this.activity = options.activity ?? new RiskActivityLog();
  }

  get totals(): ExposureTotals {
    this.totalsView ??= {
      gross: this.gross,
      netHigh: this.netHigh,
      netLow: this.netLow,
      openPositions: this.openPositions,
      sectors: new Map(this.sectors),
      reservedBuyingPower: this.reserved,
      openOrders: this.workingById.size,
      unvalued: [...this.unvalued],
    };
    return this.totalsView;
  }

  referencePrice(symbol: string): ReferencePrice | null {
    return this.references.get(symbol) ?? null;
  }

  tickSize(symbol: string): Decimal | null {
    let tick = this.tickSizes.get(symbol);
    if (tick === undefined) {
      const info = ownEntry(this.instruments, symbol);
      tick = info?.tickSize ? dec(info.tickSize, `instruments.${symbol}.tickSize`) : null;
      this.tickSizes.set(symbol, tick);
    }
    return tick;
  }

  // ---- account --------------------------------------------------------------------------------

  /** New limits change instrument and sector lookups, so every symbol is recomputed (limits change rarely). */
  setLimits(limits: CompiledRiskLimits | null): void {
    this.limits = limits;
    this.accountLimits = limits?.account(this.accountId) ?? null;
    for (const symbol of [...this.contributions.keys(), ...this.books.keys()]) this.refresh(symbol);
  }

  /** null = unknown, which fails closed; never pass zero for unknown. */
  setEquity(equity: DecimalInput | null): void {
    this.equity = equity === null ? null : dec(equity, 'equity');
  }

  setBuyingPower(buyingPower: DecimalInput | null): void {
    this.buyingPower = buyingPower === null ? null : dec(buyingPower, 'buyingPower');
  }

  setInstruments(instruments: Readonly<Record<string, InstrumentInfoInput>>): void {
    this.instruments = instruments;
    this.tickSizes.clear();
  }

  // ---- positions, working orders, prices --------------------------------------------------------

  /** The account's signed position in a symbol (all strategies together); zero removes it. */
  setPosition(symbol: string, quantity: DecimalInput, averagePrice: DecimalInput | null = null): void {
    const parsed = dec(quantity, `positions.${symbol}.quantity`);
    if (parsed.isZero() && averagePrice === null) this.positions.delete(symbol);
    else this.positions.set(symbol, { quantity: parsed, averagePrice: averagePrice === null ? null : dec(averagePrice, `positions.${symbol}.averagePrice`) });
    this.refresh(symbol);
  }

  position(symbol: string): Decimal {
    return this.positions.get(symbol)?.quantity ?? ZERO;
  }

  /** Adds a working order or replaces the one with the same client order id. */
  upsertWorkingOrder(input: WorkingOrderInput): void {
    const previous = this.workingById.get(input.clientOrderId);
    if (previous) this.detach(previous);
    const order = parseWorkingOrder(input);
    this.workingById.set(order.clientOrderId, order);
    this.intentWorking.set(order.intentId, (this.intentWorking.get(order.intentId) ?? ZERO).plus(order.remainingQuantity));
    this.ordersPerIntent.set(order.intentId, (this.ordersPerIntent.get(order.intentId) ?? 0) + 1);
    let orders = this.ordersBySymbol.get(order.symbol);
    if (!orders) {
      orders = new Map();
      this.ordersBySymbol.set(order.symbol, orders);
    }
    orders.set(order.clientOrderId, order);
    if (previous && previous.symbol !== order.symbol) this.refresh(previous.symbol);
    this.refresh(order.symbol);
  }

  removeWorkingOrder(clientOrderId: string): void {
    const order = this.workingById.get(clientOrderId);
    if (!order) return;
    this.detach(order);
    this.refresh(order.symbol);
  }

  /** Filled quantity of an intent's orders so far, for the intent-level checks. */
  setIntentFilled(intentId: string, filled: DecimalInput): void {
    this.intentFilled.set(intentId, dec(filled, `intentFills.${intentId}`));
  }

  setReferencePrice(symbol: string, input: ReferencePriceInput): void {
    this.references.set(symbol, parseReferencePrice(symbol, input));
    // Only a symbol we hold or work is valued at it.
    if (this.books.has(symbol)) this.refresh(symbol);
  }

  // ---- gates ------------------------------------------------------------------------------------

  /**
   * One source's state of a scope. A scope can be held by more than one source at once (the board an
   * operator or a breaker moves, and the account's reconciliation readiness); the check reads the most
   * restrictive, so releasing one source never releases what another holds. `null` or ACTIVE: this
   * source no longer restricts the scope.
   */
  setTradingState(scope: string, state: TradingStateView | null, source: TradingStateSource = 'board'): void {
    const sources = new Map(this.stateSources.get(scope));
    if (state === null || state.status === 'ACTIVE') sources.delete(source);
    else sources.set(source, state);
    if (sources.size === 0) this.stateSources.delete(scope);
    else this.stateSources.set(scope, sources);
    const next = { ...this.tradingStates };
    const strictest = strictestOf(sources);
    if (strictest === null) delete next[scope];
    else next[scope] = strictest;
    this.tradingStates = next;
  }

  /** What each source holds a scope at (only sources that restrict it). */
  tradingStateSources(scope: string): ReadonlyMap<TradingStateSource, TradingStateView> {
    return this.stateSources.get(scope) ?? new Map();
  }

  setKillSwitch(scope: string, engaged: boolean): void {
    if (engaged) this.killSwitches.add(scope);
    else this.killSwitches.delete(scope);
  }

  setStrategyDisabled(strategy: string, disabled: { cause: string } | null): void {
    const next = { ...this.disabledStrategies };
    if (disabled) next[strategy] = disabled;
    else delete next[strategy];
    this.disabledStrategies = next;
  }

  setVenueHalts(halts: { market: boolean; symbols: Iterable<string> }): void {
    this.marketHalted = halts.market;
    this.haltedSymbols.clear();
    for (const symbol of halts.symbols) this.haltedSymbols.add(symbol);
  }

  setOverride(state: OverrideState): void {
    if (state.status !== 'none') this.overrides.set(state.request.overrideId, state);
  }

  setAutoMode(state: AutoModeState | null): void {
    this.autoMode = state;
  }

  // ---- internals ----------------------------------------------------------------------------------

  private detach(order: WorkingOrder): void {
    this.workingById.delete(order.clientOrderId);
    const ordersLeft = (this.ordersPerIntent.get(order.intentId) ?? 1) - 1;
    if (ordersLeft === 0) {
      this.ordersPerIntent.delete(order.intentId);
      this.intentWorking.delete(order.intentId);
    } else {
      this.ordersPerIntent.set(order.intentId, ordersLeft);
      this.intentWorking.set(order.intentId, (this.intentWorking.get(order.intentId) ?? ZERO).minus(order.remainingQuantity));
    }
    const orders = this.ordersBySymbol.get(order.symbol);
    orders?.delete(order.clientOrderId);
    if (orders && orders.size === 0) this.ordersBySymbol.delete(order.symbol);
    this.totalsView = null;
  }

  /** Recomputes one symbol's book and what it adds to the totals, the same way RiskSnapshot does. */
  private refresh(symbol: string): void {
    const previous = this.contributions.get(symbol) ?? NOTHING;
    const position = this.positions.get(symbol);
    const orders = this.ordersBySymbol.get(symbol);
    let contribution: SymbolContribution = NOTHING;
    if (!position && !orders) {
      this.books.delete(symbol);
      this.worst.delete(symbol);
      this.contributions.delete(symbol);
    } else {
      const { book, worst, reserved } = symbolExposure(symbol, position?.quantity ?? ZERO, position?.averagePrice ?? null, orders?.values() ?? [], this.referencePrice(symbol));
      this.books.set(symbol, book);
      this.worst.set(symbol, worst);
      const valued = book.valuation !== null && worst.notional !== null;
      contribution = {
        open: worst.open,
        unvalued: worst.open && !valued,
        gross: valued ? worst.notional! : ZERO,
        netHigh: valued ? worst.longExtreme.times(book.valuation!) : ZERO,
        netLow: valued ? worst.shortExtreme.times(book.valuation!) : ZERO,
        sector: valued ? (this.limits?.sectorOf(symbol) ?? null) : null,
        sectorNotional: valued ? worst.notional! : ZERO,
        reserved,
      };
      this.contributions.set(symbol, contribution);
    }
    this.gross = this.gross.minus(previous.gross).plus(contribution.gross);
    this.netHigh = this.netHigh.minus(previous.netHigh).plus(contribution.netHigh);
    this.netLow = this.netLow.minus(previous.netLow).plus(contribution.netLow);
    this.reserved = this.reserved.minus(previous.reserved).plus(contribution.reserved);
    this.openPositions += (contribution.open ? 1 : 0) - (previous.open ? 1 : 0);
    if (previous.sector !== null) {
      const left = (this.sectors.get(previous.sector) ?? ZERO).minus(previous.sectorNotional);
      this.sectors.set(previous.sector, left);
    }
    if (contribution.sector !== null) this.sectors.set(contribution.sector, (this.sectors.get(contribution.sector) ?? ZERO).plus(contribution.sectorNotional));
    if (contribution.unvalued) this.unvalued.add(symbol);
    else this.unvalued.delete(symbol);
    this.totalsView = null;
  }
}
