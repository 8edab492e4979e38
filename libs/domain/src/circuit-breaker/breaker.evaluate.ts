import { dec, Decimal, type DecimalString } from '@tollgate/kernel';
import type { BreakerAction, BreakerLimits, BreakerName } from '@tollgate/contracts';
import type { BreakerMeasurements } from './breaker.commands';

/** One breaker's reading: the value against its bound, each rendered as text for the trip event. */
export interface BreakerReading {
  breaker: BreakerName;
  exceeded: boolean;
  value: string;
  bound: string;
  detail: string;
  action: BreakerAction;
  coolDownMs: number | null;
}

interface Configured {
  action: BreakerAction;
  coolDownMs?: number | undefined;
}

function reading(breaker: BreakerName, config: Configured, exceeded: boolean, value: string, bound: string, detail: string): BreakerReading {
  return { breaker, exceeded, value, bound, detail, action: config.action, coolDownMs: config.coolDownMs ?? null };
}

function rate(numerator: number, denominator: number): Decimal {
  return new Decimal(numerator).div(denominator);
}

/**
 * Each breaker read on its own, so one that cannot be read (a malformed measurement, a bug) becomes
 * an `evaluation_error` reading that halts, and the others still trip.
 */
export function readBreakers(limits: BreakerLimits, measurements: BreakerMeasurements, highWaterMark: DecimalString | null): BreakerReading[] {
  const readers: Array<() => BreakerReading | null> = [
    () => {
      if (measurements.dailyPnl === undefined) return null;
      const pnl = dec(measurements.dailyPnl, 'dailyPnl');
      const maxLoss = dec(limits.dailyLoss.maxLoss, 'dailyLoss.maxLoss');
      const loss = pnl.negated();
      return reading('daily_loss', limits.dailyLoss, loss.greaterThan(maxLoss), loss.toFixed(), maxLoss.toFixed(), `daily mark-to-market P&L ${pnl.toFixed()} against a loss limit of ${maxLoss.toFixed()}`);
    },
    () => {
      if (!limits.drawdown || measurements.equity === undefined) return null;
      const equity = dec(measurements.equity, 'equity');
      const mark = highWaterMark === null ? equity : Decimal.max(dec(highWaterMark, 'highWaterMark'), equity);
      const drawdown = mark.minus(equity);
      const bound = dec(limits.drawdown.maxDrawdown, 'drawdown.maxDrawdown');
      return reading('drawdown', limits.drawdown, drawdown.greaterThan(bound), drawdown.toFixed(), bound.toFixed(), `equity ${equity.toFixed()} is ${drawdown.toFixed()} below the high-water mark ${mark.toFixed()}`);
    },
    () => {
      if (!limits.consecutiveLosses || measurements.consecutiveLosses === undefined) return null;
      const { max } = limits.consecutiveLosses;
      const count = whole(measurements.consecutiveLosses, 'consecutiveLosses');
      return reading('consecutive_losses', limits.consecutiveLosses, count > max, String(count), String(max), `${count} losing trades in a row`);
    },
    () => {
      if (!limits.rejectRate || !measurements.orders) return null;
      const rejected = whole(measurements.orders.rejected, 'orders.rejected');
      const total = whole(measurements.orders.total, 'orders.total');
      const bound = dec(limits.rejectRate.maxRate, 'rejectRate.maxRate');
      const value = total > 0 ? rate(rejected, total) : new Decimal(0);
      const exceeded = total >= limits.rejectRate.minSample && value.greaterThan(bound);
      return reading('reject_rate', limits.rejectRate, exceeded, value.toDecimalPlaces(4).toFixed(), bound.toFixed(), `${rejected} of ${total} orders rejected (minimum sample ${limits.rejectRate.minSample})`);
    },
    () => {
      if (!limits.brokerErrorRate || !measurements.brokerRequests) return null;
      const errors = whole(measurements.brokerRequests.errors, 'brokerRequests.errors');
      const total = whole(measurements.brokerRequests.total, 'brokerRequests.total');
      const bound = dec(limits.brokerErrorRate.maxRate, 'brokerErrorRate.maxRate');
      const value = total > 0 ? rate(errors, total) : new Decimal(0);
      const exceeded = total >= limits.brokerErrorRate.minSample && value.greaterThan(bound);
      return reading('broker_error_rate', limits.brokerErrorRate, exceeded, value.toDecimalPlaces(4).toFixed(), bound.toFixed(), `${errors} of ${total} broker requests failed`);
    },
    () => {
      if (!limits.marketDataStale || measurements.marketDataAgeMs === undefined) return null;
      const { maxAgeMs } = limits.marketDataStale;
      const age = whole(measurements.marketDataAgeMs, 'marketDataAgeMs', true);
      return reading('market_data_stale', limits.marketDataStale, age > maxAgeMs, String(age), String(maxAgeMs), `newest market data is ${age} ms old`);
    },
    () => {
      if (!limits.syncFailure || measurements.consecutiveSyncFailures === undefined) return null;
      const bound = limits.syncFailure.maxConsecutiveFailures;
      const failures = whole(measurements.consecutiveSyncFailures, 'consecutiveSyncFailures');
      return reading('sync_failure', limits.syncFailure, failures > bound, String(failures), String(bound), `${failures} broker syncs failed in a row`);
    },
    () => {
      if (!limits.reconciliationBreak || measurements.reconciliationBreaks === undefined) return null;
      const breaks = whole(measurements.reconciliationBreaks, 'reconciliationBreaks');
      return reading('reconciliation_break', limits.reconciliationBreak, breaks > 0, String(breaks), '0', `${breaks} unresolved reconciliation breaks`);
    },
    () => {
      if (!limits.clockSkew || measurements.clockSkewMs === undefined) return null;
      const { maxSkewMs } = limits.clockSkew;
      const skew = whole(measurements.clockSkewMs, 'clockSkewMs', true);
      return reading('clock_skew', limits.clockSkew, Math.abs(skew) > maxSkewMs, String(skew), String(maxSkewMs), `clock differs from the reference by ${skew} ms`);
    },
  ];
  const readings: BreakerReading[] = [];
  for (const read of readers) {
    try {
      const result = read();
      if (result) readings.push(result);
    } catch (error) {
      readings.push(evaluationError(error));
    }
  }
  return readings;
}

/** Counts and milliseconds arrive as numbers; anything but a safe integer is a measuring bug. */
function whole(value: number, field: string, allowNegative = false): number {
  if (!Number.isSafeInteger(value) || (!allowNegative && value < 0)) throw new Error(`${field} measurement ${value} was not a whole number`);
  return value;
}

export function evaluationError(error: unknown): BreakerReading {
  const message = error instanceof Error ? error.message : String(error);
  return {
    breaker: 'evaluation_error',
    exceeded: true,
    value: message.length > 0 ? message : 'unknown error',
    bound: 'no error',
    detail: `a breaker could not be evaluated, failing safe: ${message}`,
    action: 'HALTED',
    coolDownMs: null,
  };
}
