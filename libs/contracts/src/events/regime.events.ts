import { z } from 'zod';
import { defineEvent, type EventData } from '../event-registry';
import { streamName } from '../envelope';
import { decimalString, isoTimestamp, symbol, uuid } from '../schema';

/**
 * Structural breaks, one stream per symbol: `regime-<SYMBOL>`. The online detector raises a
 * suspicion; after a configured number of bars an offline test on a window of returns confirms it
 * (the symbol's behaviour changed) or dismisses it (a false positive, counted by the readiness
 * gate). See docs/structural-breaks.md.
 *
 * Statistics and p-values are decimal strings (8 significant digits), like every other number that
 * is not a count, so no float formatting reaches a hash.
 */

const nonNegativeDecimal = decimalString.refine((value) => !value.startsWith('-'), { message: 'must not be negative' });
const probability = decimalString.refine((value) => !value.startsWith('-') && Number(value) <= 1, { message: 'must be between 0 and 1' });
const significance = decimalString.refine((value) => Number(value) > 0 && Number(value) < 1, { message: 'must be between 0 and 1' });

/** Which property of the returns changed: their mean or their volatility. */
export const breakSeries = z.enum(['mean', 'volatility']);
export const breakDirection = z.enum(['up', 'down']);
/** Offline tests that may confirm a suspicion. */
export const breakTestMethod = z.enum(['sup-f', 'ols-cusum']);
export const breakVarianceEstimator = z.enum(['iid', 'hac']);

/** How squared returns are standardized before a volatility suspicion is tested. */
export const volatilityModel = z.enum(['none', 'garch']);

export const breakConfirmationPolicy = z.strictObject({
  /** Bars after the suspicion before the offline test runs. */
  afterBars: z.number().int().positive(),
  /** Bars up to and including the suspicion's bar that open the test window. */
  lookbackBars: z.number().int().positive(),
  method: breakTestMethod,
  variance: breakVarianceEstimator,
  alpha: significance,
  /**
   * Volatility suspicions: `garch` tests the squares of standardized residuals of a GARCH(1,1)
   * fitted to the `volatilityModelBars` before the suspicion, so clustering alone does not confirm.
   */
  volatilityModel,
  volatilityModelBars: z.number().int().positive(),
});

export const StructuralBreakSuspected = defineEvent(
  'StructuralBreakSuspected',
  1,
  z.strictObject({
    symbol,
    suspicionId: uuid,
    series: breakSeries,
    direction: breakDirection,
    /** The online method that raised it. */
    method: z.literal('cusum'),
    statistic: nonNegativeDecimal,
    threshold: nonNegativeDecimal,
    /** End time of the bar whose return crossed the threshold. */
    detectedAt: isoTimestamp,
    /** How the suspicion will be confirmed, fixed now so a replay resolves it the same way. */
    confirmation: breakConfirmationPolicy,
  }),
);

const resolution = {
  symbol,
  suspicionId: uuid,
  series: breakSeries,
  method: breakTestMethod,
  variance: breakVarianceEstimator,
  statistic: nonNegativeDecimal,
  pValue: probability,
  alpha: significance,
  /** First and last bar of the window the test ran on, and its length. */
  windowStart: isoTimestamp,
  windowEnd: isoTimestamp,
  windowBars: z.number().int().positive(),
  resolvedAt: isoTimestamp,
};

export const StructuralBreakConfirmed = defineEvent(
  'StructuralBreakConfirmed',
  1,
  z.strictObject({
    ...resolution,
    /** End time of the last bar before the dated break. */
    breakAt: isoTimestamp,
  }),
);

/** A suspicion the offline test did not support: a false positive of the online detector. */
export const StructuralBreakDismissed = defineEvent('StructuralBreakDismissed', 1, z.strictObject(resolution));

export const regimeEvents = [StructuralBreakSuspected, StructuralBreakConfirmed, StructuralBreakDismissed];

type Definitions = (typeof regimeEvents)[number];
/** One regime event as a decider produces it: its type and its data. */
export type RegimeEvent = Definitions extends infer Definition
  ? Definition extends { type: infer Type }
    ? { type: Type; data: EventData<Definition> }
    : never
  : never;
export type RegimeEventType = RegimeEvent['type'];
export type RegimeEventOf<Type extends RegimeEventType> = Extract<RegimeEvent, { type: Type }>;
export type BreakConfirmationPolicy = z.infer<typeof breakConfirmationPolicy>;
export type StructuralBreakSuspectedData = EventData<typeof StructuralBreakSuspected>;
export type StructuralBreakConfirmedData = EventData<typeof StructuralBreakConfirmed>;
export type StructuralBreakDismissedData = EventData<typeof StructuralBreakDismissed>;

/** The category of regime streams: `regime-<SYMBOL>`. */
export const REGIME_STREAM_CATEGORY = 'regime';
export const regimeStreamId = (symbolName: string): string => streamName(REGIME_STREAM_CATEGORY, symbolName);
