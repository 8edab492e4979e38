import { fold } from '@tollgate/kernel';
import { expectValidEvents } from '../risk.fixtures';
import type { ObserveStrategyFills } from './strategy-execution.commands';
import { strategyExecutionDecider as decider } from './strategy-execution.decide';
import type { StrategyExecutionEvent } from './strategy-execution.state';

const time = (second: number) => new Date(Date.UTC(2026, 2, 2, 15, 0, second)).toISOString();
const fillTimes = (count: number) => Array.from({ length: count }, (_, index) => time(index));
const observe = (count: number, at = time(count - 1)): ObserveStrategyFills => ({
  type: 'ObserveStrategyFills',
  strategy: 'momentum',
  fillTimes: fillTimes(count),
  maxFills: 20,
  windowMs: 60_000,
  at,
});

describe('C6 repeated-execution throttle', () => {
  it('disables the strategy at the 21st fill in the window, not the 20th', () => {
    expect(decider.decide(observe(20), decider.initialState())).toEqual([]);
    const events = decider.decide(observe(21), decider.initialState());
    expectValidEvents(events);
    expect(events).toEqual([
      { type: 'StrategyDisabled', data: { strategy: 'momentum', cause: 'repeated_execution', fills: 21, maxFills: 20, windowMs: 60_000, actor: 'system:risk', at: time(20) } },
    ]);
  });

  it('counts only fills within the window', () => {
    expect(decider.decide({ ...observe(21), at: time(60) }, decider.initialState())).toEqual([]);
  });

  it('stays disabled after a restart, because the state is rebuilt from its events', () => {
    const history: StrategyExecutionEvent[] = decider.decide(observe(21), decider.initialState());
    const restarted = fold(decider, history);
    expect(restarted).toMatchObject({ status: 'disabled', cause: 'repeated_execution' });
    expect(decider.decide(observe(30), restarted)).toEqual([]);
  });

  it('is re-enabled only by a person with a risk role and a reason; earlier fills then no longer count', () => {
    const disabled = fold(decider, decider.decide(observe(21), decider.initialState()));
    const enable = { type: 'EnableStrategy' as const, strategy: 'momentum', actor: 'user:carol', role: 'risk' as const, reason: 'checked the fills', at: time(25) };
    expect(() => decider.decide({ ...enable, actor: 'system:scheduler' }, disabled)).toThrow('not a person');
    expect(() => decider.decide({ ...enable, role: 'trader' }, disabled)).toThrow('role trader');
    expect(() => decider.decide({ ...enable, reason: '' }, disabled)).toThrow('a reason is required');
    const enabledEvents = decider.decide(enable, disabled);
    expectValidEvents(enabledEvents);
    const enabled = fold(decider, [...decider.decide(observe(21), decider.initialState()), ...enabledEvents]);
    expect(decider.decide({ ...observe(21), at: time(26) }, enabled)).toEqual([]);
  });

  it('can be disabled by another control with its cause', () => {
    const events = decider.decide({ type: 'DisableStrategy', strategy: 'momentum', cause: 'runaway: 50 orders in 1s', actor: 'system:risk', at: time(1) }, decider.initialState());
    expectValidEvents(events);
    expect(fold(decider, events)).toMatchObject({ status: 'disabled', cause: 'runaway: 50 orders in 1s' });
  });
});
