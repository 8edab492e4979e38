import { z } from 'zod';
import type { Decimal } from '@tollgate/kernel';
import type { Bar } from '../market-data';
import { averageTrueRange, bollingerBands, numericBar, rationaleOf, relativeStrengthIndex, type IndicatorValues } from './indicators';
import { percentageParameter, periodParameter, positiveDecimalParameter } from './parameters';
import { entryReferencePrice, type EntrySide, type StrategyDefinition, type StrategySignal } from './strategy.types';
import fingerprints from './builtin-fingerprints.json';

export const meanReversionParameters = z
  .object({
    bollingerPeriod: periodParameter.default(20),
    /** Band width in standard deviations. */
    bollingerDeviations: positiveDecimalParameter.prefault('2'),
    /** Require RSI to confirm: below `rsiOversold` to buy, above `rsiOverbought` to short. */
    useRsiFilter: z.boolean().default(true),
    rsiPeriod: periodParameter.default(14),
    rsiOversold: percentageParameter.prefault('30'),
    rsiOverbought: percentageParameter.prefault('70'),
    atrPeriod: periodParameter.default(14),
    atrStopMultiple: positiveDecimalParameter.prefault('1.5'),
    allowShort: z.boolean().default(false),
    entryType: z.enum(['market', 'limit']).default('market'),
  })
  .strict()
  .refine((parameters) => parameters.rsiOversold.lt(parameters.rsiOverbought), { path: ['rsiOversold'], message: 'must be less than rsiOverbought' });

export type MeanReversionParameters = z.output<typeof meanReversionParameters>;

/** The band and RSI condition for a side on one bar; false while warming up. */
function stretched(side: EntrySide, bar: Bar | null, values: IndicatorValues | null, parameters: MeanReversionParameters): boolean {
  if (!bar || !values) return false;
  const band = side === 'buy' ? values.lowerBand : values.upperBand;
  if (!band) return false;
  const outside = side === 'buy' ? bar.close.lt(band) : bar.close.gt(band);
  if (!outside || !parameters.useRsiFilter) return outside;
  const rsi = values.rsi;
  if (!rsi) return false;
  return side === 'buy' ? rsi.lt(parameters.rsiOversold) : rsi.gt(parameters.rsiOverbought);
}

/**
 * Bollinger-band reversion: buy when the close falls below the lower band (with RSI oversold, if the
 * filter is on), short above the upper band (if allowed); stop `atrStopMultiple` ATRs away, target
 * the middle band. Fires when the condition starts, not on every bar it holds, and not while a
 * position is open or when the middle band is not on the profitable side of the entry.
 */
export const meanReversionStrategy: StrategyDefinition<MeanReversionParameters> = {
  name: 'mean-reversion',
  description: 'Bollinger-band reversion with an RSI filter and an ATR stop',
  sourceHash: fingerprints.strategies['mean-reversion'].sha256,
  parameters: meanReversionParameters,
  createIndicators: (parameters) => {
    const bands = bollingerBands(parameters.bollingerPeriod, parameters.bollingerDeviations);
    const rsi = relativeStrengthIndex(parameters.rsiPeriod);
    const atr = averageTrueRange(parameters.atrPeriod);
    return {
      update: (bar) => {
        const prices = numericBar(bar);
        const band = bands.update(prices.close);
        return { lowerBand: band?.lower ?? null, middleBand: band?.middle ?? null, upperBand: band?.upper ?? null, rsi: rsi.update(prices.close), atr: atr.update(prices) };
      },
    };
  },
  decide: ({ bar, previousBar, indicators, previousIndicators, quote, position, parameters }) => {
    if (position && !position.quantity.isZero()) return [];
    const sides: EntrySide[] = parameters.allowShort ? ['buy', 'sell_short'] : ['buy'];
    const signals: StrategySignal[] = [];
    for (const side of sides) {
      if (!stretched(side, bar, indicators, parameters) || stretched(side, previousBar, previousIndicators, parameters)) continue;
      const { atr, middleBand, lowerBand, upperBand, rsi } = indicators;
      if (!atr || !middleBand) continue;
      const entryPrice: Decimal = parameters.entryType === 'limit' ? bar.close : entryReferencePrice(side, bar, quote);
      const direction = side === 'buy' ? 1 : -1;
      if (middleBand.minus(entryPrice).mul(direction).lte(0)) continue;
      signals.push({
        side,
        entryType: parameters.entryType,
        entryPrice,
        stopPrice: entryPrice.minus(atr.mul(parameters.atrStopMultiple).mul(direction)),
        targetPrice: middleBand,
        rationale: rationaleOf({ close: bar.close, lowerBand, middleBand, upperBand, rsi, atr }),
      });
    }
    return signals;
  },
};
