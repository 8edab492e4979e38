import { ATR, BollingerBands, EMA, RSI, SMA } from 'trading-signals';
import { Decimal, decString, type DecimalString } from '@tollgate/kernel';
import type { Bar } from '../market-data';

/**
 * Thin adapters over `trading-signals` (v8 computes in JS numbers): prices go in as numbers, results
 * come back as Decimals with `INDICATOR_DECIMAL_PLACES` places, so everything downstream — stops,
 * sizing, the rationale recorded with a proposal — is decimal and prints the same on every run.
 * Each adapter keeps the library's rolling state: one update per bar, O(period) memory.
 */
export const INDICATOR_LIBRARY = 'trading-signals@8.3.0';
export const INDICATOR_DECIMAL_PLACES = 8;

/** Indicator values by name; null while the indicator is still warming up. */
export type IndicatorValues = Readonly<Record<string, Decimal | null>>;

// toFixed rounds the binary value half away from zero at the last place; it is what makes the
// conversion cheap enough to run on every bar.
const toDecimal = (value: number | null | undefined): Decimal | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : new Decimal(value.toFixed(INDICATOR_DECIMAL_PLACES));

export type MovingAverageKind = 'sma' | 'ema';

/** An indicator of closing prices; the caller converts each bar's prices to numbers once. */
export interface CloseIndicator<Result> {
  update(close: number): Result | null;
}

export function movingAverage(kind: MovingAverageKind, period: number): CloseIndicator<Decimal> {
  const indicator = kind === 'sma' ? new SMA(period) : new EMA(period);
  return {
    // EMA returns a value from its first input; it only means something once it is stable.
    update: (close) => {
      const value = indicator.add(close);
      return indicator.isStable ? toDecimal(value) : null;
    },
  };
}

export function relativeStrengthIndex(period: number): CloseIndicator<Decimal> {
  const indicator = new RSI(period);
  return { update: (close) => toDecimal(indicator.add(close)) };
}

export interface Bands {
  lower: Decimal;
  middle: Decimal;
  upper: Decimal;
}

export function bollingerBands(period: number, deviations: Decimal): CloseIndicator<Bands> {
  const indicator = new BollingerBands(period, deviations.toNumber());
  return {
    update: (close) => {
      const bands = indicator.add(close);
      if (!bands) return null;
      const [lower, middle, upper] = [toDecimal(bands.lower), toDecimal(bands.middle), toDecimal(bands.upper)];
      return lower && middle && upper ? { lower, middle, upper } : null;
    },
  };
}

/** A bar's prices as numbers, converted once per bar for all of a strategy's indicators. */
export interface NumericBar {
  high: number;
  low: number;
  close: number;
}

export function numericBar(bar: Bar): NumericBar {
  return { high: bar.high.toNumber(), low: bar.low.toNumber(), close: bar.close.toNumber() };
}

export interface BarIndicator<Result> {
  update(bar: NumericBar): Result | null;
}

/** Wilder's average true range. */
export function averageTrueRange(period: number): BarIndicator<Decimal> {
  const indicator = new ATR(period);
  return { update: (bar) => toDecimal(indicator.add(bar)) };
}

/** Renders indicator values for a proposal's rationale; warming-up values are left out. */
export function rationaleOf(values: Record<string, Decimal | null | undefined>): Record<string, DecimalString> {
  const rationale: Record<string, DecimalString> = {};
  for (const [name, value] of Object.entries(values)) if (value) rationale[name] = decString(value);
  return rationale;
}
