import { createEventRegistry, type RegimeEvent } from '@tollgate/contracts';
import { DomainError, fold } from '@tollgate/kernel';
import { DEFAULT_ONLINE_DETECTOR_CONFIG, initialDetectorState, observeReturn, validateDetectorConfig, type DetectorAlarm, type DetectorState } from './online-detector';
import type { RegimeCommand, WindowReturn } from './regime.commands';
import { breakSuspicionIdFor, regimeDecider } from './regime.decide';
import { createRegimeMonitor, DEFAULT_BREAK_CONFIRMATION, DEFAULT_REGIME_MONITOR_CONFIG, stepRegimeMonitor } from './regime-monitor';
import { lastConfirmedBreak, regimeBlocksNewProposals, type RegimeState } from './regime.state';
import { createSeededRandom } from './seeded-random';

const registry = createEventRegistry();
const SYMBOL = 'AAPL';
const START = Date.parse('2026-03-02T14:31:00.000Z');
const minute = (index: number): string => new Date(START + index * 60_000).toISOString();

/** given events → when command → then events (or then throws). */
function given(...history: RegimeEvent[]) {
  const state = fold(regimeDecider, history);
  return {
    state,
    when(command: RegimeCommand) {
      const act = () => regimeDecider.decide(command, state);
      return {
        then(expected: Array<{ type: RegimeEvent['type']; data?: Record<string, unknown> }>): RegimeState {
          const events = act();
          expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
          events.forEach((event, index) => {
            if (expected[index]?.data) expect(event.data).toMatchObject(expected[index].data);
            expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
          });
          return events.reduce(regimeDecider.evolve, state);
        },
        thenNothing(): void {
          expect(act()).toEqual([]);
        },
        thenThrows(code: string): void {
          expect(act).toThrow(DomainError);
          expect(act).toThrow(code);
        },
      };
    },
  };
}

const alarm: DetectorAlarm = { series: 'mean', direction: 'up', method: 'cusum', statistic: 10.4, threshold: 10 };
const detectedAt = minute(299);
const suspicionId = breakSuspicionIdFor(SYMBOL, detectedAt);
const suspect: RegimeCommand = { type: 'SuspectStructuralBreak', symbol: SYMBOL, suspicionId, alarm, detectedAt, confirmation: DEFAULT_BREAK_CONFIRMATION };
const suspected: RegimeEvent = {
  type: 'StructuralBreakSuspected',
  data: {
    symbol: SYMBOL,
    suspicionId,
    series: 'mean',
    direction: 'up',
    method: 'cusum',
    statistic: '10.4',
    threshold: '10',
    detectedAt,
    confirmation: DEFAULT_BREAK_CONFIRMATION,
  },
};

/** Returns at minutes 0..349: noise, plus `shift` from minute 250 on. */
function returns(shift: number, seed = 3): WindowReturn[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: 350 }, (_, index) => ({ at: minute(index), value: 0.001 * (random.normal() + (index >= 250 ? shift : 0)) }));
}

describe('regime decider', () => {
  it('raises a suspicion with the statistic, the threshold and the confirmation policy', () => {
    const state = given().when(suspect).then([{ type: 'StructuralBreakSuspected', data: { statistic: '10.4', threshold: '10', series: 'mean', detectedAt } }]);
    expect(regimeBlocksNewProposals(state)).toBe(true);
  });

  it('ignores a second alarm while a suspicion is open', () => {
    given(suspected).when({ ...suspect, suspicionId: breakSuspicionIdFor(SYMBOL, minute(305)), detectedAt: minute(305) }).thenNothing();
  });

  it('refuses to resolve before the configured number of bars after the suspicion', () => {
    given(suspected)
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId, recentReturns: returns(5).slice(0, 320), at: minute(319) })
      .thenThrows('BREAK_CONFIRMATION_TOO_EARLY');
  });

  it('refuses to resolve a suspicion that is not the open one', () => {
    given()
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId, recentReturns: returns(5), at: minute(349) })
      .thenThrows('BREAK_SUSPICION_NOT_OPEN');
  });

  it('confirms a real shift in the mean, dating it near where it happened, and unblocks proposals', () => {
    const state = given(suspected)
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId, recentReturns: returns(4), at: minute(349) })
      .then([{ type: 'StructuralBreakConfirmed', data: { method: 'ols-cusum', windowBars: 250, windowStart: minute(100), windowEnd: minute(349) } }]);
    const confirmed = lastConfirmedBreak(state)!;
    expect(Math.abs(Date.parse(confirmed.breakAt) - Date.parse(minute(249))) / 60_000).toBeLessThanOrEqual(3);
    expect(confirmed.confirmedAt).toBe(minute(349));
    expect(regimeBlocksNewProposals(state)).toBe(false);
    expect(state.confirmedCount).toBe(1);
  });

  it('dismisses a suspicion the data do not support, and counts it as a false positive', () => {
    const state = given(suspected)
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId, recentReturns: returns(0), at: minute(349) })
      .then([{ type: 'StructuralBreakDismissed' }]);
    expect(state.dismissedCount).toBe(1);
    expect(state.status).toBe('stable');
  });

  it('tests a volatility suspicion on GARCH-standardized squares and confirms a tripled variance', () => {
    const random = createSeededRandom(8);
    const history = Array.from({ length: 1250 }, (_, index) => ({ at: minute(index), value: 0.001 * random.normal() * (index >= 1150 ? Math.sqrt(3) : 1) }));
    const volatilitySuspected: RegimeEvent = {
      type: 'StructuralBreakSuspected',
      data: { ...suspected.data, suspicionId: breakSuspicionIdFor(SYMBOL, minute(1199)), series: 'volatility', detectedAt: minute(1199) },
    } as RegimeEvent;
    given(volatilitySuspected)
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId: breakSuspicionIdFor(SYMBOL, minute(1199)), recentReturns: history, at: minute(1249) })
      .then([{ type: 'StructuralBreakConfirmed', data: { series: 'volatility' } }]);
  });

  it('refuses returns out of time order', () => {
    const shuffled = returns(0);
    [shuffled[10], shuffled[11]] = [shuffled[11]!, shuffled[10]!];
    given(suspected)
      .when({ type: 'ResolveStructuralBreakSuspicion', symbol: SYMBOL, suspicionId, recentReturns: shuffled, at: minute(349) })
      .thenThrows('BREAK_WINDOW_NOT_ORDERED');
  });
});

describe('online detector', () => {
  const config = DEFAULT_ONLINE_DETECTOR_CONFIG;
  const run = (values: number[], state: DetectorState = initialDetectorState()) => {
    const alarms: Array<DetectorAlarm & { index: number }> = [];
    for (const [index, value] of values.entries()) {
      const observed = observeReturn(state, value, config);
      state = observed.state;
      if (observed.alarm) alarms.push({ ...observed.alarm, index });
    }
    return { state, alarms };
  };

  it('cannot alarm during the warm-up, however wild the returns', () => {
    const values = Array.from({ length: config.warmupBars - 1 }, (_, index) => (index % 2 === 0 ? 10 : -10));
    expect(run(values).alarms).toEqual([]);
  });

  it('raises one mean alarm, upward, soon after the mean jumps by two deviations', () => {
    const random = createSeededRandom(21);
    const values = Array.from({ length: 700 }, (_, index) => random.normal() + (index >= 600 ? 2 : 0));
    const { alarms } = run(values);
    expect(alarms.filter((found) => found.index < 600)).toEqual([]);
    expect(alarms[0]).toMatchObject({ series: 'mean', direction: 'up', method: 'cusum', threshold: config.mean.threshold });
    expect(alarms[0]!.index - 600).toBeLessThan(20);
    expect(alarms[0]!.statistic).toBeGreaterThan(config.mean.threshold);
  });

  it('raises a volatility alarm when the variance quadruples', () => {
    const random = createSeededRandom(22);
    const values = Array.from({ length: 800 }, (_, index) => random.normal() * (index >= 600 ? 2 : 1));
    const first = run(values).alarms.find((found) => found.index >= 600)!;
    expect(first).toMatchObject({ series: 'volatility', direction: 'up' });
    expect(first.index - 600).toBeLessThan(60);
  });

  it('replays to the same state from the same returns', () => {
    const random = createSeededRandom(23);
    const values = Array.from({ length: 400 }, () => random.normal());
    expect(run(values).state).toEqual(run(values).state);
  });

  it('names every invalid setting', () => {
    expect(() => validateDetectorConfig({ ...config, warmupBars: 10, mean: { reference: -1, threshold: 0 } })).toThrow(
      /warmupBars must be an integer ≥ 50, was 10; .*mean reference must be ≥ 0, was -1; mean threshold must be positive, was 0/,
    );
  });
});

describe('regime monitor', () => {
  it('suspects, then confirms, a shift in the mean and replays identically', () => {
    const random = createSeededRandom(31);
    const bars = Array.from({ length: 900 }, (_, index) => ({ at: minute(index), value: 0.001 * (random.normal() + (index >= 700 ? 1.5 : 0)) }));
    const run = () => {
      let monitor = createRegimeMonitor(SYMBOL);
      const log: Array<{ type: string; index: number }> = [];
      for (const [index, bar] of bars.entries()) {
        const step = stepRegimeMonitor(monitor, bar, DEFAULT_REGIME_MONITOR_CONFIG);
        monitor = step.state;
        log.push(...step.events.map((event) => ({ type: event.type, index })));
      }
      return { monitor, log };
    };
    const first = run();
    const afterShift = first.log.filter((entry) => entry.index >= 700);
    expect(afterShift.map((entry) => entry.type).slice(0, 2)).toEqual(['StructuralBreakSuspected', 'StructuralBreakConfirmed']);
    expect(afterShift[1]!.index - afterShift[0]!.index).toBe(DEFAULT_BREAK_CONFIRMATION.afterBars);
    expect(run().log).toEqual(first.log);
  });
});
