import { fold } from '@tollgate/kernel';
import type { AutoModeLimits } from '@tollgate/contracts';
import { expectValidEvents } from '../risk/risk.fixtures';
import type { EnableAutoMode } from './auto-mode.commands';
import { autoModeAllows, autoModeDecider as decider, autoModeReaction } from './auto-mode.decide';
import type { AutoModeEvent, AutoModeState } from './auto-mode.state';

const limits: AutoModeLimits = { maxOrdersPerDay: 2, maxNotionalPerTrade: '5000', strategies: ['momentum'], symbols: ['AAPL', 'MSFT'] };
const enable: EnableAutoMode = {
  type: 'EnableAutoMode',
  accountId: 'ACC1',
  mode: 'SIMULATED',
  actor: 'user:admin-kim',
  role: 'admin',
  reason: 'simulation run',
  limits,
  readinessGate: null,
  at: '2026-03-02T14:00:00.000Z',
};
const proposal = { strategy: 'momentum', symbol: 'AAPL', notional: '4000', mode: 'SIMULATED' as const, tradingDay: '2026-03-02' };

function on(): AutoModeState {
  const events = decider.decide(enable, decider.initialState());
  expectValidEvents(events);
  return fold(decider, events);
}

describe('auto-mode rails', () => {
  it('is turned on only by an admin, only with auto-mode limits, and only in SIMULATED until a readiness gate passes', () => {
    expect(on().status).toBe('on');
    expect(() => decider.decide({ ...enable, role: 'risk' }, decider.initialState())).toThrow('role risk');
    expect(() => decider.decide({ ...enable, actor: 'auto' }, decider.initialState())).toThrow('not a person');
    expect(() => decider.decide({ ...enable, limits: null }, decider.initialState())).toThrow('no autoMode limits');
    expect(() => decider.decide({ ...enable, mode: 'SANDBOX_PAPER' }, decider.initialState())).toThrow('readiness gate for SANDBOX_PAPER');
    expect(() => decider.decide({ ...enable, mode: 'LIVE', readinessGate: { mode: 'SANDBOX_PAPER', passed: true } }, decider.initialState())).toThrow('readiness gate');
    expect(decider.decide({ ...enable, mode: 'SANDBOX_PAPER', readinessGate: { mode: 'SANDBOX_PAPER', passed: true } }, decider.initialState())).toHaveLength(1);
  });

  it('allows only allowed strategies and symbols under the notional cap and the daily count', () => {
    let state = on();
    expect(autoModeAllows(state, proposal)).toEqual({ allowed: true });
    expect(autoModeAllows(state, { ...proposal, notional: '5001' })).toMatchObject({ allowed: false, reasons: [{ code: 'AUTO_MODE_NOTIONAL_EXCEEDS_MAXIMUM' }] });
    expect(autoModeAllows(state, { ...proposal, strategy: 'other', symbol: 'XOM' })).toMatchObject({
      reasons: [{ code: 'AUTO_MODE_STRATEGY_NOT_ALLOWED' }, { code: 'AUTO_MODE_SYMBOL_NOT_ALLOWED' }],
    });
    for (const proposalId of ['p1', 'p2']) {
      const counted = decider.decide({ type: 'CountAutoApproval', proposalId, tradingDay: '2026-03-02', notional: '4000', at: '2026-03-02T15:00:00.000Z' }, state);
      expectValidEvents(counted);
      state = counted.reduce(decider.evolve, state);
    }
    expect(autoModeAllows(state, proposal)).toMatchObject({ allowed: false, reasons: [{ code: 'AUTO_MODE_DAILY_ORDER_LIMIT_REACHED', context: { count: '2', max: '2' } }] });
    expect(autoModeAllows(state, { ...proposal, tradingDay: '2026-03-03' })).toEqual({ allowed: true });
    expect(autoModeAllows(state, { ...proposal, mode: 'LIVE' })).toMatchObject({ reasons: [{ code: 'AUTO_MODE_OFF' }] });
  });

  it('turns off on any breaker trip, kill switch, reconciliation break or sync failure, with the cause', () => {
    const tripped = autoModeReaction(
      { type: 'CircuitBreakerTripped', data: { breaker: 'daily_loss', scope: 'account:ACC1', value: '501', bound: '500', action: 'HALTED', detail: 'd', coolDownMs: null, at: '2026-03-02T15:00:00.000Z' } },
      '2026-03-02T15:00:00.000Z',
    )!;
    expect(tripped).toMatchObject({ cause: 'circuit_breaker' });
    const killed = autoModeReaction(
      { type: 'KillSwitchEngaged', data: { scope: 'all', actor: 'user:x', reason: 'r', ordersToCancel: [], at: '2026-03-02T15:00:00.000Z' } },
      '2026-03-02T15:00:00.000Z',
    )!;
    expect(killed).toMatchObject({ cause: 'kill_switch' });
    const broken = autoModeReaction(
      { type: 'CircuitBreakerTripped', data: { breaker: 'reconciliation_break', scope: 'account:ACC1', value: '1', bound: '0', action: 'HALTED', detail: 'd', coolDownMs: null, at: '2026-03-02T15:00:00.000Z' } },
      '2026-03-02T15:00:00.000Z',
    )!;
    expect(broken.cause).toBe('reconciliation_break');
    expect(autoModeReaction({ type: 'SyncFailed', data: { accountId: 'ACC1', query: 'positions', lastError: 'timeout' } }, '2026-03-02T15:00:00.000Z')).toMatchObject({ cause: 'sync_failure' });
    expect(autoModeReaction({ type: 'ReconciliationBreakOpened', data: { accountId: 'ACC1', subject: { kind: 'position', key: 'AAPL' }, field: 'quantity' } }, '2026-03-02T15:00:00.000Z')).toMatchObject({
      cause: 'reconciliation_break',
      detail: 'reconciliation break on ACC1: position AAPL quantity',
    });
    expect(autoModeReaction({ type: 'OperatorNote', data: {} }, '2026-03-02T15:00:00.000Z')).toBeNull();
    const events: AutoModeEvent[] = decider.decide(tripped, on());
    expectValidEvents(events);
    expect(events[0]).toMatchObject({ type: 'AutoModeDisabled', data: { cause: 'circuit_breaker', mode: 'SIMULATED', accountId: 'ACC1' } });
    expect(fold(decider, [...decider.decide(enable, decider.initialState()), ...events]).status).toBe('off');
  });

  it('never turns itself back on: nothing but an admin enabling it again does', () => {
    const off = fold(decider, [...decider.decide(enable, decider.initialState()), ...decider.decide({ type: 'DisableAutoMode', cause: 'kill_switch', detail: 'x', actor: 'system:risk', at: '2026-03-02T15:00:00.000Z' }, on())]);
    expect(off.status).toBe('off');
    expect(decider.decide({ type: 'DisableAutoMode', cause: 'operator', detail: 'again', actor: 'user:x', at: '2026-03-02T15:01:00.000Z' }, off)).toEqual([]);
    expect(() => decider.decide({ type: 'CountAutoApproval', proposalId: 'p', tradingDay: '2026-03-02', notional: '1', at: '2026-03-02T15:02:00.000Z' }, off)).toThrow('auto-mode was off');
    expect(autoModeAllows(off, proposal)).toMatchObject({ allowed: false, reasons: [{ code: 'AUTO_MODE_OFF' }] });
  });
});
