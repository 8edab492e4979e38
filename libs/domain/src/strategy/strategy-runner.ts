import { dec, DomainError, Rounding, type Decimal, type DecimalString } from '@tollgate/kernel';
import { fixedFractionalSize } from '../sizing';
import type { Bar, Quote } from '../market-data';
import type { IndicatorValues } from './indicators';
import type { ConfiguredStrategy } from './strategy-registry';
import type { IndicatorState, OpenPosition, ProposalIntent, StrategySignal } from './strategy.types';

/** What the runner needs to know about an instrument (a subset of the instrument catalog's record). */
export interface InstrumentTerms {
  tickSize: DecimalString | Decimal;
  lotSize: DecimalString | Decimal;
  shortable: boolean;
}

/** The risk limits sizing obeys. */
export interface SizingLimits {
  /** Share of equity risked per trade between entry and stop, e.g. 0.01. */
  riskFraction: Decimal;
  maxQuantity?: Decimal;
  maxNotional?: Decimal;
}

export interface StrategyRunnerOptions {
  strategy: ConfiguredStrategy;
  instrument: (symbol: string) => InstrumentTerms | undefined;
  sizing: SizingLimits;
  /** A quote older than this at the bar's end is ignored (the bar's close is used instead). */
  maxQuoteAgeMilliseconds?: number;
}

/** The account state a decision sees: equity for sizing, and the strategy's open positions. */
export interface StrategyContext {
  equity: Decimal;
  positions: ReadonlyMap<string, OpenPosition> | readonly OpenPosition[];
  /**
   * Caps in force for this bar's symbol (the risk limits change while a runner lives); they replace the
   * runner's own caps of the same name.
   */
  sizing?: Partial<SizingLimits>;
}

export type SkipReason = 'UNKNOWN_INSTRUMENT' | 'NOT_SHORTABLE' | 'STOP_ON_WRONG_SIDE' | 'QUANTITY_ZERO';

export interface SkippedSignal {
  symbol: string;
  reason: SkipReason;
  detail: string;
  signal: StrategySignal;
}

export interface StrategyOutcome {
  intents: ProposalIntent[];
  skipped: SkippedSignal[];
}

interface SymbolState {
  indicators: IndicatorState;
  values: IndicatorValues | null;
  bar: Bar | null;
  quote: Quote | null;
}

/**
 * Runs one configured strategy over a market-data stream: folds each bar into the symbol's
 * indicators (incremental, O(1) per bar for the built-ins), asks the strategy's pure `decide`, then
 * puts each signal on the instrument's tick (away from the entry for stops, toward it for targets,
 * never worse for limits) and sizes it by fixed-fractional risk. Deterministic for the same inputs.
 */
export class StrategyRunner {
  private readonly symbols = new Map<string, SymbolState>();
  private readonly universe: ReadonlySet<string> | null;
  private readonly maxQuoteAge: number;

  constructor(private readonly options: StrategyRunnerOptions) {
    this.universe = options.strategy.symbols ? new Set(options.strategy.symbols) : null;
    this.maxQuoteAge = options.maxQuoteAgeMilliseconds ?? 60_000;
  }

  get strategy(): ConfiguredStrategy {
    return this.options.strategy;
  }

  onQuote(quote: Quote): void {
    if (this.universe && !this.universe.has(quote.symbol)) return;
    this.state(quote.symbol).quote = quote;
  }

  onBar(bar: Bar, context: StrategyContext): StrategyOutcome {
    const outcome: StrategyOutcome = { intents: [], skipped: [] };
    if (this.universe && !this.universe.has(bar.symbol)) return outcome;
    const state = this.state(bar.symbol);
    const values = state.indicators.update(bar);
    const quote = state.quote && this.isFresh(state.quote, bar) ? state.quote : null;
    const { definition, parameters } = this.options.strategy;
    const signals = definition.decide({
      symbol: bar.symbol,
      bar,
      previousBar: state.bar,
      indicators: values,
      previousIndicators: state.values,
      quote,
      position: findPosition(context.positions, bar.symbol),
      parameters,
    });
    state.values = values;
    state.bar = bar;
    for (const signal of signals) {
      const result = this.toIntent(bar, signal, context.equity, { ...this.options.sizing, ...context.sizing });
      if ('reason' in result) outcome.skipped.push(result);
      else outcome.intents.push(result);
    }
    return outcome;
  }

  private toIntent(bar: Bar, signal: StrategySignal, equity: Decimal, sizing: SizingLimits): ProposalIntent | SkippedSignal {
    const skip = (reason: SkipReason, detail: string): SkippedSignal => ({ symbol: bar.symbol, reason, detail, signal });
    const instrument = this.options.instrument(bar.symbol);
    if (!instrument) return skip('UNKNOWN_INSTRUMENT', `symbol=${bar.symbol}`);
    if (signal.side === 'sell_short' && !instrument.shortable) return skip('NOT_SHORTABLE', `symbol=${bar.symbol}`);
    const tick = dec(instrument.tickSize, 'tickSize');
    const lot = dec(instrument.lotSize, 'lotSize');
    // A long's prices round down, a short's up: the stop moves away from the entry (never tighter than
    // the strategy asked), the target toward it, a buy limit down and a short-sale limit up.
    const roundingSide = signal.side === 'buy' ? 'buy' : 'sell';
    const toTick = (price: Decimal) => Rounding.priceToTick(price, tick, roundingSide);
    const entryPrice = signal.entryType === 'limit' ? toTick(signal.entryPrice) : signal.entryPrice;
    const stopPrice = toTick(signal.stopPrice);
    const targetPrice = signal.targetPrice ? toTick(signal.targetPrice) : null;
    const stopOnRightSide = signal.side === 'buy' ? stopPrice.lt(entryPrice) && stopPrice.gt(0) : stopPrice.gt(entryPrice);
    if (!stopOnRightSide) return skip('STOP_ON_WRONG_SIDE', `side=${signal.side} entry=${entryPrice} stop=${stopPrice}`);

    let size;
    try {
      size = fixedFractionalSize({ equity, lotSize: lot, entryPrice, stopPrice, ...sizing });
    } catch (error) {
      if (error instanceof DomainError) return skip('QUANTITY_ZERO', error.message);
      throw error;
    }
    if (size.quantity.isZero()) return skip('QUANTITY_ZERO', `limitedBy=${size.limitedBy} equity=${equity} entry=${entryPrice} stop=${stopPrice}`);
    return {
      strategy: this.options.strategy.definition.name,
      strategyVersion: this.options.strategy.version.version,
      symbol: bar.symbol,
      side: signal.side,
      quantity: size.quantity,
      entryType: signal.entryType,
      entryPrice,
      stopPrice,
      targetPrice,
      rationale: signal.rationale,
      decidedAt: bar.timestamp,
      riskAtStop: size.riskAtStop,
    };
  }

  private isFresh(quote: Quote, bar: Bar): boolean {
    const age = bar.timestamp.getTime() - quote.timestamp.getTime();
    return age >= 0 && age <= this.maxQuoteAge;
  }

  private state(symbol: string): SymbolState {
    let state = this.symbols.get(symbol);
    if (!state) {
      state = { indicators: this.options.strategy.definition.createIndicators(this.options.strategy.parameters), values: null, bar: null, quote: null };
      this.symbols.set(symbol, state);
    }
    return state;
  }
}

function findPosition(positions: StrategyContext['positions'], symbol: string): OpenPosition | null {
  if (positions instanceof Map) return positions.get(symbol) ?? null;
  return (positions as readonly OpenPosition[]).find((position) => position.symbol === symbol) ?? null;
}
