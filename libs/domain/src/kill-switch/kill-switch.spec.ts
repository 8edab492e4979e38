import { fold } from '@tollgate/kernel';
import { PreTradeRiskEngine } from '../risk/pre-trade/engine';
import { expectValidEvents, order, snapshotWith } from '../risk/risk.fixtures';
import type { RestingOrderRef } from './kill-switch.commands';
import { killSwitchDecider as decider } from './kill-switch.decide';
import { engagedScopes, killSwitchBlocking } from './kill-switch.state';

const at = '2026-03-02T15:00:00.000Z';
const strategies = ['alpha', 'beta', 'gamma'];
const symbols = ['AAPL', 'MSFT', 'XOM', 'CVX', 'TSLA'];
/** 50 resting orders across three strategies and two accounts. */
const resting: RestingOrderRef[] = Array.from({ length: 50 }, (_, index) => ({
  clientOrderId: `o${index}`,
  accountId: index % 5 === 0 ? 'ACC2' : 'ACC1',
  strategy: strategies[index % 3]!,
  symbol: symbols[index % 5]!,
}));

const engage = (scope: string, restingOrders = resting) => ({ type: 'EngageKillSwitch' as const, scope, actor: 'user:frank', reason: 'runaway orders', restingOrders, at });

describe('kill switch', () => {
  it('lists exactly the resting orders in the scope for cancelling, and raises an alert', () => {
    const events = decider.decide(engage('strategy:beta'), decider.initialState());
    expectValidEvents(events);
    const expected = resting.filter((order) => order.strategy === 'beta').map((order) => order.clientOrderId);
    expect(events[0]).toMatchObject({ type: 'KillSwitchEngaged', data: { scope: 'strategy:beta', ordersToCancel: expected } });
    expect(events[1]).toMatchObject({ type: 'AlertRaised', data: { severity: 'critical', code: 'KILL_SWITCH_ENGAGED' } });
    expect(decider.decide(engage('all'), decider.initialState())[0]!.data).toMatchObject({ ordersToCancel: resting.map((order) => order.clientOrderId) });
    expect((decider.decide(engage('account:ACC2'), decider.initialState())[0]!.data as { ordersToCancel: string[] }).ordersToCancel).toHaveLength(10);
    expect((decider.decide(engage('symbol:XOM'), decider.initialState())[0]!.data as { ordersToCancel: string[] }).ordersToCancel).toHaveLength(10);
  });

  it('blocks new orders in its scope only, and stays on after a restart', () => {
    const state = fold(decider, decider.decide(engage('strategy:beta'), decider.initialState()));
    expect(engagedScopes(state)).toEqual(['strategy:beta']);
    expect(killSwitchBlocking(state, { accountId: 'ACC1', strategy: 'beta', symbol: 'AAPL' })).toBe('strategy:beta');
    expect(killSwitchBlocking(state, { accountId: 'ACC1', strategy: 'alpha', symbol: 'AAPL' })).toBeNull();
    const engine = new PreTradeRiskEngine();
    const snapshot = snapshotWith({ killSwitches: engagedScopes(state) });
    expect(engine.check(order({ strategy: 'beta' }), snapshot).verdict).toBe('deny');
    expect(engine.check(order({ strategy: 'alpha' }), snapshot).verdict).toBe('allow');
  });

  it('is released only by a person with a risk role and a reason, scope by scope', () => {
    const state = fold(decider, [...decider.decide(engage('strategy:beta'), decider.initialState()), ...decider.decide(engage('all'), decider.initialState())]);
    const release = { type: 'ReleaseKillSwitch' as const, scope: 'strategy:beta', actor: 'user:gina', role: 'risk' as const, reason: 'fixed', at };
    expect(() => decider.decide({ ...release, actor: 'system:timer' }, state)).toThrow('not a person');
    expect(() => decider.decide({ ...release, role: 'trader' }, state)).toThrow('role trader');
    expect(() => decider.decide({ ...release, scope: 'symbol:AAPL' }, state)).toThrow('not engaged');
    const events = decider.decide(release, state);
    expectValidEvents(events);
    expect(engagedScopes(events.reduce(decider.evolve, state))).toEqual(['all']);
  });

  it('needs a reason and a valid scope; engaging again with nothing left to cancel does nothing', () => {
    expect(() => decider.decide({ ...engage('all'), reason: '' }, decider.initialState())).toThrow('a reason is required');
    expect(() => decider.decide(engage('desk:7'), decider.initialState())).toThrow('scope "desk:7"');
    const state = fold(decider, decider.decide(engage('all'), decider.initialState()));
    expect(decider.decide(engage('all', []), state)).toEqual([]);
    expect(decider.decide(engage('all', resting.slice(0, 1)), state)[0]!.data).toMatchObject({ ordersToCancel: ['o0'] });
  });
});
