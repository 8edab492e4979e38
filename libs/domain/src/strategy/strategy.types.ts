import type { z } from 'zod';
import type { Decimal, DecimalString } from '@tollgate/kernel';
import type { Bar, Quote } from '../market-data';
import type { IndicatorValues } from './indicators';

/** Strategies open positions; exits belong to the exit rules, which use the stop and target given here. */
export type EntrySide = 'buy' | 'sell_short';
export type EntryType = 'market' | 'limit';

/** A position the strategy holds, from the ledger. `quantity` is signed: negative is short. */
export interface OpenPosition {
  symbol: string;
  quantity: Decimal;
  averagePrice: Decimal;
}

/** What a strategy wants to do, before sizing and rounding to the instrument's tick. */
export interface StrategySignal {
  side: EntrySide;
  entryType: EntryType;
  /** The limit price for a limit entry; for a market entry, the reference price (ask, bid or close) sizing uses. */
  entryPrice: Decimal;
  stopPrice: Decimal;
  targetPrice: Decimal | null;
  /** The indicator values that fired, as decimal strings. */
  rationale: Record<string, DecimalString>;
}

/** Everything a strategy's decision may depend on; nothing else. */
export interface StrategyDecisionInput<Parameters> {
  symbol: string;
  bar: Bar;
  /** The bar before, for the same symbol; null on the first. */
  previousBar: Bar | null;
  indicators: IndicatorValues;
  previousIndicators: IndicatorValues | null;
  /** The latest quote no older than the runner's limit, if any. */
  quote: Quote | null;
  position: OpenPosition | null;
  parameters: Parameters;
}

/** A strategy's rolling indicator state for one symbol: updated once per bar. */
export interface IndicatorState {
  update(bar: Bar): IndicatorValues;
}

/**
 * A strategy: indicators folded over the bars (incremental, per symbol) and a pure `decide` from the
 * indicator values, the bar, the quote and the open position to signals.
 */
export interface StrategyDefinition<Parameters = unknown> {
  name: string;
  description: string;
  /**
   * SHA-256 of the code that decides (see `strategyVersion`): for built-ins, the source files listed
   * in `builtin-fingerprints.json`, checked by a spec; a custom strategy supplies its own.
   */
  sourceHash: string;
  /** Validates a parameters object and fills defaults; issues name the key. */
  parameters: z.ZodType<Parameters>;
  createIndicators(parameters: Parameters): IndicatorState;
  decide(input: StrategyDecisionInput<Parameters>): StrategySignal[];
}

/** A proposal a strategy makes, sized and on the tick; the proposals service turns it into `ProposalCreated`. */
export interface ProposalIntent {
  strategy: string;
  strategyVersion: string;
  symbol: string;
  side: EntrySide;
  quantity: Decimal;
  entryType: EntryType;
  entryPrice: Decimal;
  stopPrice: Decimal;
  targetPrice: Decimal | null;
  rationale: Record<string, DecimalString>;
  /** The bar that triggered it (its end). */
  decidedAt: Date;
  /** What the position loses at the stop: quantity × |entry − stop|. */
  riskAtStop: Decimal;
}

/** The reference price for a market entry: the side of the quote we would pay, else the close. */
export function entryReferencePrice(side: EntrySide, bar: Bar, quote: Quote | null): Decimal {
  if (!quote) return bar.close;
  return side === 'buy' ? quote.ask : quote.bid;
}
