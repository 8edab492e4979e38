import { fold } from '@tollgate/kernel';
import type { BreakerLimits } from '@tollgate/contracts';
import { expectValidEvents } from '../risk/risk.fixtures';
import type { BreakerMeasurements, ObserveBreakers } from './breaker.commands';
import { breakerDecider as decider, observeFailingSafe } from './breaker.decide';
import type { BreakerBoard, BreakerEvent } from './breaker.state';

const SCOPE = 'account:ACC1';
const time = (second: number) => new Date(Date.UTC(2026, 2, 2, 15, 0, second)).toISOString();

const limits: BreakerLimits = {
  dailyLoss: { maxLoss: '500', action: 'HALTED' },
  drawdown: { maxDrawdown: '5000', action: 'REDUCING' },
  consecutiveLosses: { max: 4, action: 'REDUCING' },
  rejectRate: { maxRate: '0.2', minSample: 10, action: 'HALTED' },
  brokerErrorRate: { maxRate: '0.5', minSample: 4, action: 'HALTED' },
  marketDataStale: { maxAgeMs: 5_000, action: 'REDUCING' },
  syncFailure: { maxConsecutiveFailures: 2, action: 'HALTED' },
  reconciliationBreak: { action: 'HALTED' },
  clockSkew: { maxSkewMs: 250, action: 'HALTED' },
};

const observe = (measurements: BreakerMeasurements, second = 0, overrides: Partial<ObserveBreakers> = {}): ObserveBreakers => ({
  type: 'ObserveBreakers',
  scope: SCOPE,
  limits,
  measurements,
  workingOrdersInScope: ['w1', 'w2'],
  at: time(second),
  ...overrides,
});

function run(state: BreakerBoard, ...commands: Parameters<typeof decider.decide>[0][]): { state: BreakerBoard; events: BreakerEvent[] } {
  const events: BreakerEvent[] = [];
  for (const command of commands) {
    const produced = decider.decide(command, state);
    expectValidEvents(produced);
    events.push(...produced);
    state = produced.reduce(decider.evolve, state);
  }
  return { state, events };
}

const types = (events: BreakerEvent[]) => events.map((event) => event.type);

describe('C9 daily loss on mark-to-market P&L', () => {
  it('trips at −501 against a 500 limit with no trade: HALTED, working orders cancelled, alert; −500 does not', () => {
    expect(decider.decide(observe({ dailyPnl: '-500' }), decider.initialState())).toEqual([]);
    const { state, events } = run(decider.initialState(), observe({ dailyPnl: '-501' }));
    expect(types(events)).toEqual(['CircuitBreakerTripped', 'TradingStateChanged', 'WorkingOrdersCancelRequested', 'AlertRaised']);
    expect(events[0]!.data).toMatchObject({ breaker: 'daily_loss', scope: SCOPE, value: '501', bound: '500', action: 'HALTED' });
    expect(events[1]!.data).toMatchObject({ scope: SCOPE, from: 'ACTIVE', to: 'HALTED', cause: 'breaker:daily_loss' });
    expect(events[2]!.data).toMatchObject({ scope: SCOPE, clientOrderIds: ['w1', 'w2'] });
    expect(events[3]!.data).toMatchObject({ severity: 'critical', code: 'CIRCUIT_BREAKER_TRIPPED' });
    expect(state.tradingStatus).toBe('HALTED');
  });

  it('stays tripped after a restart and does not trip twice', () => {
    const { events } = run(decider.initialState(), observe({ dailyPnl: '-501' }));
    const restarted = fold(decider, events);
    expect(restarted.tripped.daily_loss).toMatchObject({ value: '501', action: 'HALTED' });
    expect(decider.decide(observe({ dailyPnl: '-900' }, 5), restarted)).toEqual([]);
    expect(decider.decide(observe({ dailyPnl: '100' }, 5), restarted)).toEqual([]);
  });
});

describe('C9 drawdown from the equity high-water mark', () => {
  it('measures from the high-water mark, not the session start, so giving back profit trips it', () => {
    const { state, events } = run(
      decider.initialState(),
      observe({ equity: '100000', dailyPnl: '0' }, 0),
      observe({ equity: '110000', dailyPnl: '10000' }, 1),
      observe({ equity: '105000', dailyPnl: '5000' }, 2),
      observe({ equity: '104999', dailyPnl: '4999' }, 3),
    );
    expect(types(events).filter((type) => type === 'EquityHighWaterMarkRaised')).toHaveLength(2);
    const trip = events.find((event) => event.type === 'CircuitBreakerTripped')!;
    expect(trip.data).toMatchObject({ breaker: 'drawdown', value: '5001', bound: '5000', action: 'REDUCING' });
    expect(state.tradingStatus).toBe('REDUCING');
    expect(types(events)).not.toContain('WorkingOrdersCancelRequested');
    expect(fold(decider, events).highWaterMark).toBe('110000');
  });
});

describe('other breakers', () => {
  const cases: Array<[string, BreakerMeasurements, BreakerMeasurements]> = [
    ['consecutive_losses', { consecutiveLosses: 4 }, { consecutiveLosses: 5 }],
    ['reject_rate', { orders: { rejected: 9, total: 9 } }, { orders: { rejected: 3, total: 10 } }],
    ['broker_error_rate', { brokerRequests: { errors: 2, total: 4 } }, { brokerRequests: { errors: 3, total: 4 } }],
    ['market_data_stale', { marketDataAgeMs: 5_000 }, { marketDataAgeMs: 5_001 }],
    ['sync_failure', { consecutiveSyncFailures: 2 }, { consecutiveSyncFailures: 3 }],
    ['reconciliation_break', { reconciliationBreaks: 0 }, { reconciliationBreaks: 1 }],
    ['clock_skew', { clockSkewMs: -250 }, { clockSkewMs: -251 }],
  ];
  it.each(cases)('%s holds at its bound and trips past it', (breaker, within, beyond) => {
    expect(decider.decide(observe(within), decider.initialState())).toEqual([]);
    const { events } = run(decider.initialState(), observe(beyond));
    expect(events[0]).toMatchObject({ type: 'CircuitBreakerTripped', data: { breaker } });
  });

  it('only tightens: a REDUCING trip leaves a scope an operator HALTED as it is', () => {
    const halted = fold(decider, [
      { type: 'TradingStateChanged', data: { scope: SCOPE, from: 'ACTIVE', to: 'HALTED', cause: 'operator', actor: 'user:dana', reason: 'news', at: time(0) } },
    ]);
    const { events } = run(halted, observe({ consecutiveLosses: 9 }));
    expect(types(events)).toEqual(['CircuitBreakerTripped', 'AlertRaised']);
  });
});

describe('reset', () => {
  const tripped = () => run(decider.initialState(), observe({ dailyPnl: '-600', consecutiveLosses: 5 })).state;
  const reset = { type: 'ResetBreaker' as const, scope: SCOPE, breaker: 'daily_loss' as const, actor: 'user:erin', role: 'risk' as const, reason: 'loss understood', at: time(60) };

  it('is refused without a person, a risk role and a reason', () => {
    expect(() => decider.decide({ ...reset, actor: 'system:auto' }, tripped())).toThrow('not a person');
    expect(() => decider.decide({ ...reset, role: 'trader' }, tripped())).toThrow('role trader');
    expect(() => decider.decide({ ...reset, reason: ' ' }, tripped())).toThrow('a reason is required');
    expect(() => decider.decide({ ...reset, breaker: 'clock_skew' }, tripped())).toThrow('not tripped');
  });

  it('moves the scope to the strictest breaker still tripped, then to ACTIVE', () => {
    const first = run(tripped(), reset);
    expect(types(first.events)).toEqual(['CircuitBreakerReset', 'TradingStateChanged', 'AlertRaised']);
    expect(first.state.tradingStatus).toBe('REDUCING');
    const second = run(first.state, { ...reset, breaker: 'consecutive_losses' });
    expect(second.state.tradingStatus).toBe('ACTIVE');
    expect(second.state.tripped).toEqual({});
  });

  it('resets by itself only where a cool-down is configured, once elapsed and back within bound', () => {
    const coolLimits: BreakerLimits = { ...limits, marketDataStale: { maxAgeMs: 5_000, action: 'REDUCING', coolDownMs: 30_000 } };
    const { state } = run(decider.initialState(), observe({ marketDataAgeMs: 9_000 }, 0, { limits: coolLimits }));
    expect(decider.decide(observe({ marketDataAgeMs: 100 }, 29, { limits: coolLimits }), state)).toEqual([]);
    expect(decider.decide(observe({ marketDataAgeMs: 9_000 }, 31, { limits: coolLimits }), state)).toEqual([]);
    const recovered = run(state, observe({ marketDataAgeMs: 100 }, 31, { limits: coolLimits }));
    expect(recovered.events[0]).toMatchObject({ type: 'CircuitBreakerReset', data: { via: 'cool_down', actor: 'system:circuit-breaker' } });
    expect(recovered.state.tradingStatus).toBe('ACTIVE');
    const noCoolDown = run(decider.initialState(), observe({ marketDataAgeMs: 9_000 })).state;
    expect(decider.decide(observe({ marketDataAgeMs: 100 }, 3_000), noCoolDown)).toEqual([]);
  });
});

describe('a breaker that errors fails safe', () => {
  it('halts on a measurement it cannot read, and the other breakers still trip', () => {
    const { state, events } = run(decider.initialState(), observe({ dailyPnl: 'NaN', consecutiveLosses: 7 }));
    const trips = events.filter((event) => event.type === 'CircuitBreakerTripped').map((event) => event.data);
    expect(trips.map((trip) => (trip as { breaker: string }).breaker).sort()).toEqual(['consecutive_losses', 'evaluation_error']);
    expect(state.tradingStatus).toBe('HALTED');
    expect(types(events)).toContain('WorkingOrdersCancelRequested');
  });

  it('halts when measuring itself throws (P&L code broken): the breaker path does not depend on it', () => {
    const command = observeFailingSafe({ scope: SCOPE, limits, workingOrdersInScope: ['w1'], at: time(0) }, () => {
      throw new Error('position without a price');
    });
    expect(command.type).toBe('ReportBreakerEvaluationFailure');
    const { state, events } = run(decider.initialState(), command);
    expect(events[0]!.data).toMatchObject({ breaker: 'evaluation_error', action: 'HALTED', value: 'position without a price' });
    expect(state.tradingStatus).toBe('HALTED');
  });
});
