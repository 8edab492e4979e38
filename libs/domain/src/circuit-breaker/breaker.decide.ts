import { dec, DomainError, type Decider } from '@tollgate/kernel';
import { tradingStateScope, type BreakerAction, type BreakerName, type TradingStatus } from '@tollgate/contracts';
import { requirePersonWithRole, RISK_ROLES } from '../risk/authority';
import { RESTRICTIVENESS } from '../trading-state/trading-state.state';
import type { BreakerCommand, BreakerMeasurements, ObserveBreakers, ReportBreakerEvaluationFailure } from './breaker.commands';
import { evaluationError, readBreakers, type BreakerReading } from './breaker.evaluate';
import { evolveBreakerBoard, initialBreakerBoard, type BreakerBoard, type BreakerEvent, type TrippedBreaker } from './breaker.state';

const SYSTEM_ACTOR = 'system:circuit-breaker';

/**
 * C9 and the other breakers (RTS 6 Art. 17, FIA). A trip emits CircuitBreakerTripped, tightens the
 * scope's trading state to the configured action, asks execution to cancel the scope's working
 * orders when HALTED, and raises an alert. A tripped breaker stays tripped until a person with a
 * risk role resets it with a reason, or, where the operator configured a cool-down, until the
 * cool-down has passed and the measurement is back within its bound.
 */
export function decideBreakers(command: BreakerCommand, state: BreakerBoard): BreakerEvent[] {
  if (!tradingStateScope.safeParse(command.scope).success) {
    throw new DomainError('SCOPE_INVALID', `breaker command was refused: scope ${command.scope} is not account:ID or strategy:NAME`);
  }
  switch (command.type) {
    case 'ObserveBreakers':
      return observe(command, state);
    case 'ReportBreakerEvaluationFailure':
      return applyReadings(command, state, [evaluationError(command.error)], []);
    case 'ResetBreaker': {
      requirePersonWithRole(command, RISK_ROLES, `resetting breaker ${command.breaker}`);
      if (!state.tripped[command.breaker]) {
        throw new DomainError('BREAKER_NOT_TRIPPED', `resetting breaker ${command.breaker} was refused: it is not tripped in ${command.scope}`);
      }
      const events: BreakerEvent[] = [
        {
          type: 'CircuitBreakerReset',
          data: { breaker: command.breaker, scope: command.scope, actor: command.actor, role: command.role, reason: command.reason.trim(), via: 'person', at: command.at },
        },
      ];
      events.push(...loosenAfterResets(state, [command.breaker], command.scope, command.actor, `breaker ${command.breaker} reset: ${command.reason.trim()}`, command.at));
      events.push(alert('info', command.scope, 'BREAKER_RESET', `breaker ${command.breaker} in ${command.scope} was reset by ${command.actor}: ${command.reason.trim()}`, command.breaker, command.at));
      return events;
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown breaker command ${JSON.stringify(unknown)}`);
    }
  }
}

function observe(command: ObserveBreakers, state: BreakerBoard): BreakerEvent[] {
  const events: BreakerEvent[] = [];
  let highWaterMark = state.highWaterMark;
  try {
    if (command.measurements.equity !== undefined) {
      const equity = dec(command.measurements.equity, 'equity');
      if (highWaterMark === null || equity.greaterThan(dec(highWaterMark, 'highWaterMark'))) {
        highWaterMark = equity.toFixed();
        events.push({ type: 'EquityHighWaterMarkRaised', data: { scope: command.scope, equity: highWaterMark, at: command.at } });
      }
    }
  } catch (error) {
    return applyReadings(command, state, [evaluationError(error)], []);
  }
  const readings = readBreakers(command.limits, command.measurements, highWaterMark);
  const atMs = Date.parse(command.at);
  const coolDownResets = readings
    .filter((reading) => !reading.exceeded)
    .filter((reading) => {
      const tripped = state.tripped[reading.breaker];
      return tripped !== undefined && tripped.coolDownMs !== null && atMs - Date.parse(tripped.at) >= tripped.coolDownMs;
    })
    .map((reading) => reading.breaker);
  return [...events, ...applyReadings(command, state, readings, coolDownResets)];
}

function applyReadings(
  command: Pick<ObserveBreakers | ReportBreakerEvaluationFailure, 'scope' | 'workingOrdersInScope' | 'at'>,
  state: BreakerBoard,
  readings: BreakerReading[],
  coolDownResets: BreakerName[],
): BreakerEvent[] {
  const { scope, at } = command;
  const trips = readings.filter((reading) => reading.exceeded && !state.tripped[reading.breaker]);
  const events: BreakerEvent[] = [];
  for (const trip of trips) {
    events.push({
      type: 'CircuitBreakerTripped',
      data: { breaker: trip.breaker, scope, value: trip.value, bound: trip.bound, action: trip.action, detail: trip.detail, coolDownMs: trip.coolDownMs, at },
    });
  }
  if (trips.length > 0) {
    const strictest = trips.reduce((worst, trip) => (RESTRICTIVENESS[trip.action] > RESTRICTIVENESS[worst.action] ? trip : worst));
    // A trip only tightens: a scope an operator already HALTED stays HALTED.
    if (RESTRICTIVENESS[strictest.action] > RESTRICTIVENESS[state.tradingStatus]) {
      events.push(stateChange(scope, state.tradingStatus, strictest.action, `breaker:${strictest.breaker}`, SYSTEM_ACTOR, `${strictest.breaker}: ${strictest.detail}`, at));
    }
    if (trips.some((trip) => trip.action === 'HALTED')) {
      events.push({ type: 'WorkingOrdersCancelRequested', data: { scope, cause: `breaker:${strictest.breaker}`, clientOrderIds: [...command.workingOrdersInScope], at } });
    }
    for (const trip of trips) {
      events.push(
        alert(
          trip.action === 'HALTED' ? 'critical' : 'warning',
          scope,
          'CIRCUIT_BREAKER_TRIPPED',
          `breaker ${trip.breaker} tripped in ${scope}: value=${trip.value}, bound=${trip.bound}; ${scope} → ${trip.action}. ${trip.detail}`,
          trip.breaker,
          at,
        ),
      );
    }
    return events;
  }
  for (const breaker of coolDownResets) {
    events.push({ type: 'CircuitBreakerReset', data: { breaker, scope, actor: SYSTEM_ACTOR, role: null, reason: 'cool-down elapsed and the measurement is back within its bound', via: 'cool_down', at } });
  }
  if (coolDownResets.length > 0) events.push(...loosenAfterResets(state, coolDownResets, scope, SYSTEM_ACTOR, 'breaker cool-down elapsed', at));
  return events;
}

/** After resets, the scope moves to the strictest action of the breakers still tripped, only if breakers put it where it is. */
function loosenAfterResets(state: BreakerBoard, reset: BreakerName[], scope: string, actor: string, reason: string, at: string): BreakerEvent[] {
  if (!state.tradingCause.startsWith('breaker:')) return [];
  const remaining = (Object.entries(state.tripped) as Array<[BreakerName, TrippedBreaker]>).filter(([name]) => !reset.includes(name));
  let target: TradingStatus = 'ACTIVE';
  let cause = 'breaker_reset';
  for (const [name, tripped] of remaining) {
    if (RESTRICTIVENESS[tripped.action] > RESTRICTIVENESS[target]) {
      target = tripped.action;
      cause = `breaker:${name}`;
    }
  }
  if (RESTRICTIVENESS[target] >= RESTRICTIVENESS[state.tradingStatus]) return [];
  return [stateChange(scope, state.tradingStatus, target, cause, actor, reason, at)];
}

function stateChange(scope: string, from: TradingStatus, to: TradingStatus | BreakerAction, cause: string, actor: string, reason: string, at: string): BreakerEvent {
  return { type: 'TradingStateChanged', data: { scope, from, to, cause, actor, reason, at } };
}

function alert(severity: 'info' | 'warning' | 'critical', scope: string, code: string, message: string, breaker: string, at: string): BreakerEvent {
  return { type: 'AlertRaised', data: { severity, source: 'circuit-breaker', scope, code, message, dedupeKey: `${code}:${scope}:${breaker}`, at } };
}

export const breakerDecider: Decider<BreakerCommand, BreakerEvent, BreakerBoard> = {
  decide: decideBreakers,
  evolve: evolveBreakerBoard,
  initialState: initialBreakerBoard,
};

/**
 * Measures and builds the command, failing safe: if measuring throws (the P&L code, a projection),
 * the command reports the failure and the breaker board HALTS the scope. The breaker path never
 * depends on measuring code that may throw.
 */
export function observeFailingSafe(
  base: { scope: string; limits: ObserveBreakers['limits']; workingOrdersInScope: string[]; at: string },
  measure: () => BreakerMeasurements,
): ObserveBreakers | ReportBreakerEvaluationFailure {
  try {
    return { type: 'ObserveBreakers', ...base, measurements: measure() };
  } catch (error) {
    return {
      type: 'ReportBreakerEvaluationFailure',
      scope: base.scope,
      error: error instanceof Error ? error.message : String(error),
      workingOrdersInScope: base.workingOrdersInScope,
      at: base.at,
    };
  }
}
