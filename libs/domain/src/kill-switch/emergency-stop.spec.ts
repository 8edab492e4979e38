import { fold } from '@tollgate/kernel';
import type { EmergencyExitOrder } from '@tollgate/contracts';
import { PreTradeRiskEngine } from '../risk/pre-trade/engine';
import { ACCOUNT, expectValidEvents, order, snapshotWith } from '../risk/risk.fixtures';
import type { ExitPosition, StartEmergencyStop } from './emergency-stop.commands';
import { emergencyStopDecider as decider } from './emergency-stop.decide';
import type { EmergencyStopEvent } from './emergency-stop.state';
import { initialKillSwitchState } from './kill-switch.state';

const time = (second: number) => new Date(Date.UTC(2026, 2, 2, 15, 0, second)).toISOString();
const positions: ExitPosition[] = [
  { accountId: ACCOUNT, strategy: 'alpha', symbol: 'AAPL', quantity: '300' },
  { accountId: ACCOUNT, strategy: 'alpha', symbol: 'MSFT', quantity: '-40' },
  { accountId: ACCOUNT, strategy: 'beta', symbol: 'XOM', quantity: '100' },
  { accountId: ACCOUNT, strategy: 'alpha', symbol: 'NVDA', quantity: '10' },
];
const pricing = {
  AAPL: { mid: '100', tickSize: '0.01', collarPercent: '5' },
  MSFT: { mid: '200.005', tickSize: '0.01', collarPercent: '5' },
  XOM: { mid: '50', tickSize: '0.01', collarPercent: '5' },
};
const start = (overrides: Partial<StartEmergencyStop> = {}): StartEmergencyStop => ({
  type: 'StartEmergencyStop',
  stopId: 'stop-1',
  scope: 'strategy:alpha',
  actor: 'user:hana',
  reason: 'strategy misbehaving',
  positions,
  pricing,
  killSwitch: initialKillSwitchState(),
  restingOrders: [{ clientOrderId: 'r1', accountId: ACCOUNT, strategy: 'alpha', symbol: 'AAPL' }, { clientOrderId: 'r2', accountId: ACCOUNT, strategy: 'beta', symbol: 'XOM' }],
  maxAttempts: 2,
  at: time(0),
  ...overrides,
});

function exitsOf(events: EmergencyStopEvent[]): EmergencyExitOrder[] {
  return events.flatMap((event) => (event.type === 'EmergencyStopStarted' || event.type === 'EmergencyStopProgress' ? event.data.flattenOrders : []));
}

describe('emergency stop', () => {
  it('engages the kill switch first, then plans collared marketable limit exits for the scope only', () => {
    const events = decider.decide(start(), decider.initialState());
    expectValidEvents(events);
    expect(events.map((event) => event.type)).toEqual(['KillSwitchEngaged', 'AlertRaised', 'EmergencyStopStarted', 'AlertRaised']);
    expect(events[0]!.data).toMatchObject({ scope: 'strategy:alpha', ordersToCancel: ['r1'] });
    const exits = exitsOf(events);
    expect(exits.map((exit) => [exit.symbol, exit.side, exit.quantity, exit.limitPrice, exit.type, exit.tag])).toEqual([
      ['AAPL', 'sell', '300', '95', 'limit', 'EmergencyExit'],
      ['MSFT', 'buy_to_cover', '40', '210', 'limit', 'EmergencyExit'],
    ]);
    expect(events[2]!.data).toMatchObject({ cannotFlatten: [{ symbol: 'NVDA', quantity: '10', reason: 'no reference price or tick size for the symbol' }] });
    expect(String((events[3]!.data as { message: string }).message)).toContain('cannot flatten ACC1 NVDA 10');
  });

  it('never plans a market order, and its exits pass pre-trade risk through the kill switch and HALTED', () => {
    const exits = exitsOf(decider.decide(start(), decider.initialState()));
    expect(exits.every((exit) => exit.type === 'limit')).toBe(true);
    const engine = new PreTradeRiskEngine();
    const snapshot = snapshotWith({
      killSwitches: ['strategy:alpha'],
      tradingStates: { [`account:${ACCOUNT}`]: { status: 'HALTED', cause: 'operator' } },
      positions: [{ symbol: 'AAPL', quantity: '300' }, { symbol: 'MSFT', quantity: '-40' }],
    });
    for (const exit of exits) {
      const decision = engine.check(order({ ...exit, intentId: 'stop-1', origin: 'emergency_exit' }), snapshot);
      expect(decision.verdict).toBe('allow');
    }
    expect(engine.check(order({ symbol: 'AAPL', side: 'buy', strategy: 'alpha', origin: 'emergency_exit' }), snapshot).verdict).toBe('deny');
  });

  it('does not engage a kill switch that is already on, and completes at once when the scope is flat', () => {
    const killed = { engaged: { 'strategy:alpha': { actor: 'user:x', reason: 'y', at: time(0) } } };
    const events = decider.decide(start({ killSwitch: killed, restingOrders: [], positions: [] }), decider.initialState());
    expect(events.map((event) => event.type)).toEqual(['EmergencyStopStarted', 'AlertRaised', 'EmergencyStopCompleted']);
    expect(events[2]!.data).toMatchObject({ outcome: 'flat' });
  });

  it('reports progress, re-plans an exit that ended unfilled, and completes when flat', () => {
    const started = decider.decide(start(), decider.initialState());
    const state = fold(decider, started);
    const [aaplExit] = exitsOf(started);
    const progress = decider.decide(
      {
        type: 'RecordEmergencyStopProgress',
        positions: [{ ...positions[0]!, quantity: '100' }, { ...positions[1]!, quantity: '0' }],
        workingExitOrders: [],
        pricing: { ...pricing, AAPL: { mid: '98', tickSize: '0.01', collarPercent: '5' } },
        at: time(5),
      },
      state,
    );
    expectValidEvents(progress);
    expect(progress[0]!.type).toBe('EmergencyStopProgress');
    const replanned = exitsOf(progress);
    expect(replanned).toHaveLength(1);
    expect(replanned[0]).toMatchObject({ symbol: 'AAPL', quantity: '100', limitPrice: '93.1', attempt: 2 });
    expect(replanned[0]!.clientOrderId).not.toBe(aaplExit!.clientOrderId);
    const afterProgress = fold(decider, [...started, ...progress]);
    const done = decider.decide({ type: 'RecordEmergencyStopProgress', positions: [], workingExitOrders: [], pricing, at: time(9) }, afterProgress);
    expect(done).toEqual([{ type: 'EmergencyStopCompleted', data: { stopId: 'stop-1', outcome: 'flat', remaining: [], at: time(9) } }]);
  });

  it('gives up after the maximum attempts and raises an alert saying what is left', () => {
    const started = decider.decide(start({ maxAttempts: 1 }), decider.initialState());
    const state = fold(decider, started);
    const events = decider.decide(
      { type: 'RecordEmergencyStopProgress', positions: [{ ...positions[0]!, quantity: '100' }], workingExitOrders: [], pricing, at: time(5) },
      state,
    );
    expectValidEvents(events);
    expect(events.map((event) => event.type)).toEqual(['EmergencyStopCompleted', 'AlertRaised']);
    expect(events[0]!.data).toMatchObject({ outcome: 'incomplete', remaining: [{ symbol: 'AAPL', quantity: '100', reason: 'no fill after 1 exit orders' }] });
    expect((events[1]!.data as { message: string }).message).toContain('ACC1 AAPL 100');
  });

  it('waits while an exit order is still working, and concludes at the deadline with what is left', () => {
    const started = decider.decide(start(), decider.initialState());
    const state = fold(decider, started);
    const working = exitsOf(started).map((exit) => exit.clientOrderId);
    const waiting = decider.decide({ type: 'RecordEmergencyStopProgress', positions, workingExitOrders: working, pricing, at: time(2) }, state);
    expect(exitsOf(waiting).map((exit) => exit.symbol)).toEqual([]);
    const concluded = decider.decide({ type: 'ConcludeEmergencyStop', positions, at: time(60) }, fold(decider, [...started, ...waiting]));
    expect(concluded[0]).toMatchObject({ type: 'EmergencyStopCompleted', data: { outcome: 'incomplete' } });
    expect(concluded[1]).toMatchObject({ type: 'AlertRaised', data: { code: 'EMERGENCY_STOP_INCOMPLETE' } });
  });
});
