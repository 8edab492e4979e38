import { fold } from '@tollgate/kernel';
import { expectValidEvents } from '../risk/risk.fixtures';
import type { ChangeTradingState } from './trading-state.commands';
import { tradingStateDecider as decider } from './trading-state.decide';
import { tradingStateBoardFrom, type TradingStateEvent } from './trading-state.state';

const change = (overrides: Partial<ChangeTradingState>): ChangeTradingState => ({
  type: 'ChangeTradingState',
  scope: 'account:ACC1',
  to: 'HALTED',
  actor: 'user:dana',
  role: 'trader',
  reason: 'news',
  at: '2026-03-02T15:00:00.000Z',
  ...overrides,
});

describe('trading state', () => {
  it('starts ACTIVE and is tightened by anyone, with cause and actor', () => {
    const events = decider.decide(change({ actor: 'system:watchdog', role: null, to: 'REDUCING', reason: 'heartbeat lost' }), decider.initialState());
    expectValidEvents(events);
    expect(events[0]!.data).toMatchObject({ scope: 'account:ACC1', from: 'ACTIVE', to: 'REDUCING', cause: 'system:watchdog', actor: 'system:watchdog' });
    expect(decider.decide(change({}), decider.initialState())[0]!.data).toMatchObject({ to: 'HALTED', cause: 'operator' });
  });

  it('is loosened only by a person with a risk role, and survives a restart', () => {
    const halted = fold(decider, decider.decide(change({}), decider.initialState()));
    expect(halted.status).toBe('HALTED');
    expect(() => decider.decide(change({ to: 'ACTIVE', role: 'trader' }), halted)).toThrow('role trader');
    expect(() => decider.decide(change({ to: 'ACTIVE', actor: 'system:x', role: 'risk' }), halted)).toThrow('not a person');
    expect(decider.decide(change({ to: 'ACTIVE', role: 'risk' }), halted)[0]!.data).toMatchObject({ from: 'HALTED', to: 'ACTIVE' });
  });

  it('refuses to loosen a state a breaker holds: the breaker must be reset', () => {
    const tripped: TradingStateEvent = {
      type: 'TradingStateChanged',
      data: { scope: 'account:ACC1', from: 'ACTIVE', to: 'HALTED', cause: 'breaker:daily_loss', actor: 'system:circuit-breaker', reason: 'loss', at: '2026-03-02T15:00:00.000Z' },
    };
    expect(() => decider.decide(change({ to: 'ACTIVE', role: 'admin' }), fold(decider, [tripped]))).toThrow('reset the breaker instead');
  });

  it('does nothing when the state is already the one asked for, and refuses an unknown scope', () => {
    expect(decider.decide(change({ to: 'ACTIVE' }), decider.initialState())).toEqual([]);
    expect(() => decider.decide(change({ scope: 'desk:1' }), decider.initialState())).toThrow('scope desk:1');
  });

  it('builds the board of every scope from events in any stream', () => {
    const events = [
      ...decider.decide(change({ scope: 'account:ACC1', to: 'REDUCING' }), decider.initialState()),
      ...decider.decide(change({ scope: 'strategy:momentum', to: 'HALTED' }), decider.initialState()),
    ];
    const board = tradingStateBoardFrom(events);
    expect(board['account:ACC1']!.status).toBe('REDUCING');
    expect(board['strategy:momentum']!.status).toBe('HALTED');
  });
});
