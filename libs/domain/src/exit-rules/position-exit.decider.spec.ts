import fc from 'fast-check';
import { createEventRegistry, type ExitRule, type PositionExitEvent } from '@tollgate/contracts';
import { dec, DomainError, fold } from '@tollgate/kernel';
import type { ForceEmergencyExit, PositionExitCommand, RequestExit } from './position-exit.commands';
import { exitIntentIdFor, positionExitDecider } from './position-exit.decide';
import type { PositionExitState } from './position-exit.state';

const registry = createEventRegistry();
const positionId = 'account-1:trend:AAPL';
const at = '2026-03-02T15:00:00.000Z';

function requestExit(overrides: Partial<RequestExit> = {}): RequestExit {
  return {
    type: 'RequestExit',
    positionId,
    exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at),
    symbol: 'AAPL',
    side: 'sell',
    quantity: dec('100'),
    orderType: 'market',
    limitPrice: null,
    detail: 'bid 96.98 reached stop 97',
    actor: 'system:exits',
    at,
    rule: 'stop_loss',
    triggerPrice: dec('96.98'),
    spreadBps: dec('2.06'),
    wideSpreadBps: dec('50'),
    duringMarketHours: true,
    ...overrides,
  };
}

function forceExit(overrides: Partial<ForceEmergencyExit> = {}): ForceEmergencyExit {
  return {
    type: 'ForceEmergencyExit',
    positionId,
    exitIntentId: exitIntentIdFor(positionId, 'kill_switch', at),
    symbol: 'AAPL',
    side: 'sell',
    quantity: dec('100'),
    orderType: 'limit',
    limitPrice: dec('95.50'),
    detail: 'kill switch engaged for all by user:alice',
    actor: 'system:risk',
    at,
    cause: 'kill_switch',
    spreadBps: null,
    duringMarketHours: true,
    ...overrides,
  };
}

/** given events → when command → then events (or then throws). */
function given(...history: PositionExitEvent[]) {
  const state = fold(positionExitDecider, history);
  return {
    when(command: PositionExitCommand) {
      const act = () => positionExitDecider.decide(command, state);
      return {
        then(expected: Array<{ type: PositionExitEvent['type']; data?: Record<string, unknown> }>): PositionExitState {
          const events = act();
          expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
          events.forEach((event, index) => {
            if (expected[index]?.data) expect(event.data).toMatchObject(expected[index].data);
            expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
          });
          return events.reduce(positionExitDecider.evolve, state);
        },
        thenNothing(): void {
          expect(act()).toEqual([]);
        },
        thenThrows(code: string, message?: RegExp): void {
          expect(act).toThrow(DomainError);
          expect(act).toThrow(code);
          if (message) expect(act).toThrow(message);
        },
      };
    },
  };
}

const stopRequested = positionExitDecider.decide(requestExit(), positionExitDecider.initialState());

describe('position exit decider', () => {
  it('requests an exit recorded with the rule that fired', () => {
    const state = given()
      .when(requestExit())
      .then([{ type: 'ExitRequested', data: { rule: 'stop_loss', orderType: 'market', limitPrice: null, triggerPrice: '96.98', quantity: '100', side: 'sell' } }]);
    expect(state).toMatchObject({ status: 'exiting', working: { kind: 'rule', rule: 'stop_loss' } });
  });

  it('refuses a second exit intent while one is working: a second rule sends no second order', () => {
    given(...stopRequested)
      .when(requestExit({ exitIntentId: exitIntentIdFor(positionId, 'end_of_day', at), rule: 'end_of_day' }))
      .thenThrows('EXIT_ALREADY_WORKING', /end_of_day sends no second order/);
  });

  it('treats a retried request for the working intent as done', () => {
    given(...stopRequested).when(requestExit()).thenNothing();
  });

  it('records a marketable exit across a wide spread as an emergency exit, with the rule and the spread', () => {
    given()
      .when(requestExit({ spreadBps: dec('72.28') }))
      .then([{ type: 'EmergencyExit', data: { cause: 'wide_spread', rule: 'stop_loss', spreadBps: '72.28', duringMarketHours: true, replacesExitIntentId: null } }]);
  });

  it('does not call a limit exit an emergency, however wide the spread: it does not cross', () => {
    given()
      .when(requestExit({ rule: 'take_profit', orderType: 'limit', limitPrice: dec('106'), spreadBps: dec('90') }))
      .then([{ type: 'ExitRequested', data: { rule: 'take_profit', limitPrice: '106' } }]);
  });

  it('records a safety mechanism’s flatten as an emergency exit with its cause', () => {
    const state = given()
      .when(forceExit())
      .then([{ type: 'EmergencyExit', data: { cause: 'kill_switch', rule: null, orderType: 'limit', limitPrice: '95.5', replacesExitIntentId: null } }]);
    expect(state.emergencyExits).toBe(1);
  });

  it('escalates a working rule exit to the emergency exit that replaces it: still one live intent', () => {
    given(...stopRequested)
      .when(forceExit({ cause: 'circuit_breaker' }))
      .then([{ type: 'EmergencyExit', data: { cause: 'circuit_breaker', replacesExitIntentId: exitIntentIdFor(positionId, 'stop_loss', at) } }]);
  });

  it('counts one emergency exit however many safety mechanisms fire while it works', () => {
    const emergency = positionExitDecider.decide(forceExit(), positionExitDecider.initialState());
    given(...emergency).when(forceExit({ exitIntentId: exitIntentIdFor(positionId, 'emergency_stop', at), cause: 'emergency_stop' })).thenNothing();
    given(...emergency).when(forceExit()).thenNothing();
  });

  it('completes the working exit and refuses any exit afterwards', () => {
    const completed: PositionExitEvent = { type: 'ExitCompleted', data: { positionId, exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at), completedAt: at } };
    given(...stopRequested)
      .when({ type: 'CompleteExit', positionId, exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at), at })
      .then([{ type: 'ExitCompleted' }]);
    given(...stopRequested, completed).when(requestExit({ rule: 'time_stop', exitIntentId: exitIntentIdFor(positionId, 'time_stop', at) })).thenThrows('POSITION_ALREADY_CLOSED');
    given(...stopRequested, completed).when(forceExit()).thenThrows('POSITION_ALREADY_CLOSED');
    given(...stopRequested, completed).when({ type: 'CompleteExit', positionId, exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at), at }).thenNothing();
  });

  it('reopens the position for a new exit when the working one is abandoned', () => {
    const abandoned: PositionExitEvent = {
      type: 'ExitAbandoned',
      data: { positionId, exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at), reason: 'canceled by the venue after a partial fill', abandonedAt: at },
    };
    given(...stopRequested, abandoned)
      .when(requestExit({ exitIntentId: exitIntentIdFor(positionId, 'stop_loss', '2026-03-02T15:00:05.000Z'), quantity: dec('40') }))
      .then([{ type: 'ExitRequested', data: { quantity: '40' } }]);
  });

  it('refuses to complete or abandon an exit that is not the working one', () => {
    given().when({ type: 'CompleteExit', positionId, exitIntentId: exitIntentIdFor(positionId, 'stop_loss', at), at }).thenThrows('EXIT_INTENT_NOT_WORKING');
    given(...stopRequested)
      .when({ type: 'AbandonExit', positionId, exitIntentId: exitIntentIdFor(positionId, 'time_stop', at), reason: 'x', at })
      .thenThrows('EXIT_INTENT_NOT_WORKING');
  });

  it('refuses a limit exit without a price and a non-positive quantity', () => {
    given().when(requestExit({ orderType: 'limit', limitPrice: null })).thenThrows('EXIT_INVALID');
    given().when(requestExit({ quantity: dec('0') })).thenThrows('EXIT_INVALID');
  });
});

describe('position exit invariants', () => {
  const rules: ExitRule[] = ['stop_loss', 'take_profit', 'trailing_stop', 'time_stop', 'end_of_day', 'structural_break'];
  /** A small pool of intents, so commands often repeat an intent or name the working one. */
  const intent = fc.nat(5).map((index) => exitIntentIdFor(positionId, `trigger-${index}`, at));
  const command: fc.Arbitrary<PositionExitCommand> = fc.oneof(
    fc.record({ exitIntentId: intent, rule: fc.constantFrom(...rules), spread: fc.constantFrom('2', '80'), market: fc.boolean() }).map(({ exitIntentId, rule, spread, market }) =>
      requestExit({ exitIntentId, rule, spreadBps: dec(spread), orderType: market ? 'market' : 'limit', limitPrice: market ? null : dec('99') }),
    ),
    fc.record({ exitIntentId: intent, cause: fc.constantFrom('circuit_breaker' as const, 'emergency_stop' as const, 'kill_switch' as const) }).map(({ exitIntentId, cause }) =>
      forceExit({ exitIntentId, cause }),
    ),
    intent.map((exitIntentId): PositionExitCommand => ({ type: 'CompleteExit', positionId, exitIntentId, at })),
    intent.map((exitIntentId): PositionExitCommand => ({ type: 'AbandonExit', positionId, exitIntentId, reason: 'canceled', at })),
  );

  it('never has more than one live exit intent, never acts after the position closed, and counts each emergency exit once', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let state = positionExitDecider.initialState();
        const live = new Set<string>();
        const emergencyIntents: string[] = [];
        let closed = false;
        for (const each of commands) {
          let events: PositionExitEvent[] = [];
          try {
            events = positionExitDecider.decide(each, state);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
          for (const event of events) {
            expect(closed).toBe(false);
            expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
            switch (event.type) {
              case 'ExitRequested':
                live.add(event.data.exitIntentId);
                break;
              case 'EmergencyExit':
                if (event.data.replacesExitIntentId) live.delete(event.data.replacesExitIntentId);
                live.add(event.data.exitIntentId);
                emergencyIntents.push(event.data.exitIntentId);
                break;
              case 'ExitCompleted':
                live.delete(event.data.exitIntentId);
                closed = true;
                break;
              case 'ExitAbandoned':
                live.delete(event.data.exitIntentId);
                break;
            }
            state = positionExitDecider.evolve(state, event);
            expect(live.size).toBeLessThanOrEqual(1);
          }
        }
        expect(state.emergencyExits).toBe(emergencyIntents.length);
        // Re-deciding any command against the final state never yields a second live intent.
        for (const each of commands) {
          try {
            const again = positionExitDecider.decide(each, state);
            const opens = again.filter((event) => event.type === 'ExitRequested' || (event.type === 'EmergencyExit' && event.data.replacesExitIntentId === null));
            if (state.status === 'exiting') expect(opens).toEqual([]);
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
        }
      }),
    );
  });
});
