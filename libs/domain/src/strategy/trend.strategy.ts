import { z } from 'zod';
import { averageTrueRange, movingAverage, numericBar, rationaleOf } from './indicators';
import { periodParameter, positiveDecimalParameter } from './parameters';
import { entryReferencePrice, type StrategyDefinition, type StrategySignal } from './strategy.types';
import fingerprints from './builtin-fingerprints.json';

export const trendParameters = z
  .object({
    movingAverage: z.enum(['sma', 'ema']).default('ema'),
    fastPeriod: periodParameter.default(20),
    slowPeriod: periodParameter.default(50),
    atrPeriod: periodParameter.default(14),
    /** Stop distance in ATRs from the entry. */
    atrStopMultiple: positiveDecimalParameter.prefault('2'),
    /** Target at this many stop distances beyond the entry; null for no target (exit rules trail it). */
    rewardToRisk: positiveDecimalParameter.nullable().prefault('2'),
    allowShort: z.boolean().default(false),
    entryType: z.enum(['market', 'limit']).default('market'),
  })
  .strict()
  .refine((parameters) => parameters.fastPeriod < parameters.slowPeriod, { path: ['fastPeriod'], message: 'must be less than slowPeriod' });

export type TrendParameters = z.output<typeof trendParameters>;

/**
 * Moving-average crossover: enter long when the fast average crosses above the slow one (short on
 * the cross below, if allowed), stop `atrStopMultiple` ATRs away, target `rewardToRisk` stop
 * distances beyond the entry. Fires on the cross only, and not while a position is open.
 */
export const trendStrategy: StrategyDefinition<TrendParameters> = {
  name: 'trend',
  description: 'Moving-average crossover with an ATR stop',
  sourceHash: fingerprints.strategies.trend.sha256,
  parameters: trendParameters,
  createIndicators: (parameters) => {
    const fast = movingAverage(parameters.movingAverage, parameters.fastPeriod);
    const slow = movingAverage(parameters.movingAverage, parameters.slowPeriod);
    const atr = averageTrueRange(parameters.atrPeriod);
    return {
      update: (bar) => {
        const prices = numericBar(bar);
        return { fastMa: fast.update(prices.close), slowMa: slow.update(prices.close), atr: atr.update(prices) };
      },
    };
  },
  decide: ({ bar, indicators, previousIndicators, quote, position, parameters }) => {
    if (position && !position.quantity.isZero()) return [];
    const { fastMa, slowMa, atr } = indicators;
    const previousFastMa = previousIndicators?.fastMa;
    const previousSlowMa = previousIndicators?.slowMa;
    if (!fastMa || !slowMa || !atr || !previousFastMa || !previousSlowMa) return [];

    const crossedAbove = previousFastMa.lte(previousSlowMa) && fastMa.gt(slowMa);
    const crossedBelow = previousFastMa.gte(previousSlowMa) && fastMa.lt(slowMa);
    const side = crossedAbove ? 'buy' : crossedBelow && parameters.allowShort ? 'sell_short' : null;
    if (!side) return [];

    const entryPrice = parameters.entryType === 'limit' ? bar.close : entryReferencePrice(side, bar, quote);
    const stopDistance = atr.mul(parameters.atrStopMultiple);
    const direction = side === 'buy' ? 1 : -1;
    const signal: StrategySignal = {
      side,
      entryType: parameters.entryType,
      entryPrice,
      stopPrice: entryPrice.minus(stopDistance.mul(direction)),
      targetPrice: parameters.rewardToRisk ? entryPrice.plus(stopDistance.mul(parameters.rewardToRisk).mul(direction)) : null,
      rationale: rationaleOf({ fastMa, slowMa, previousFastMa, previousSlowMa, atr, close: bar.close }),
    };
    return [signal];
  },
};
