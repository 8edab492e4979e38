import { dec, Decimal, deterministicId, DomainError, Rounding, type Decider } from '@tollgate/kernel';
import type { EmergencyExitOrder, EmergencyStopCompletedData } from '@tollgate/contracts';
import { isPerson, requireReason } from '../risk/authority';
import { orderInScope, parseRiskScope } from '../risk/scope';
import type { EmergencyStopCommand, ExitPosition, ExitPricing } from './emergency-stop.commands';
import { evolveEmergencyStop, initialEmergencyStopState, positionKey, type EmergencyStopEvent, type EmergencyStopState } from './emergency-stop.state';
import { decideKillSwitch } from './kill-switch.decide';

type PositionLeft = EmergencyStopCompletedData['remaining'][number];

interface OpenPosition {
  accountId: string;
  strategy: string | null;
  symbol: string;
  quantity: Decimal;
}

function openPositionsInScope(positions: readonly ExitPosition[], scope: string): OpenPosition[] {
  return positions
    .map((position) => ({ ...position, quantity: dec(position.quantity, `positions.${position.symbol}.quantity`) }))
    .filter((position) => !position.quantity.isZero() && orderInScope(position, scope));
}

function left(position: OpenPosition, reason: string): PositionLeft {
  return { accountId: position.accountId, strategy: position.strategy, symbol: position.symbol, quantity: position.quantity.toFixed(), reason };
}

/**
 * A collared marketable limit order closing the whole position: a sell at the collar's low edge
 * (rounded up to the tick, so it stays inside the collar), a buy-to-cover at its high edge (rounded
 * down). Never a market order: in a halt or a gap a market order fills anywhere or is rejected.
 */
export function planExitOrder(stopId: string, position: OpenPosition, pricing: ExitPricing | undefined, attempt: number): EmergencyExitOrder | string {
  if (!pricing) return 'no reference price or tick size for the symbol';
  const mid = dec(pricing.mid, 'pricing.mid');
  const tick = dec(pricing.tickSize, 'pricing.tickSize');
  const band = dec(pricing.collarPercent, 'pricing.collarPercent').div(100);
  if (!mid.greaterThan(0) || !tick.greaterThan(0) || !band.greaterThan(0)) return 'reference price, tick size and collar must be positive';
  const selling = position.quantity.greaterThan(0);
  const limitPrice = selling
    ? Rounding.priceToTick(mid.times(new Decimal(1).minus(band)), tick, 'sell')
    : Rounding.priceToTick(mid.times(new Decimal(1).plus(band)), tick, 'buy');
  if (!limitPrice.greaterThan(0)) return 'the collared exit price would not be positive';
  return {
    clientOrderId: deterministicId('emergency-exit', stopId, position.accountId, position.strategy ?? '', position.symbol, attempt),
    accountId: position.accountId,
    strategy: position.strategy,
    symbol: position.symbol,
    side: selling ? 'sell' : 'buy_to_cover',
    type: 'limit',
    quantity: position.quantity.abs().toFixed(),
    limitPrice: limitPrice.toFixed(),
    timeInForce: 'day',
    tag: 'EmergencyExit',
    attempt,
  };
}

export function decideEmergencyStop(command: EmergencyStopCommand, state: EmergencyStopState): EmergencyStopEvent[] {
  switch (command.type) {
    case 'StartEmergencyStop': {
      if (state.status !== 'idle') throw new DomainError('EMERGENCY_STOP_EXISTS', `emergency stop ${command.stopId} was already started`);
      const scope = parseRiskScope(command.scope);
      requireReason(command.reason, 'emergency stop');
      if (!Number.isSafeInteger(command.maxAttempts) || command.maxAttempts < 1) throw new DomainError('MAX_ATTEMPTS_INVALID', 'emergency stop was refused: maxAttempts must be at least 1');
      const killEvents = decideKillSwitch(
        { type: 'EngageKillSwitch', scope, actor: command.actor, reason: `emergency stop ${command.stopId}: ${command.reason}`, restingOrders: command.restingOrders, at: command.at },
        command.killSwitch,
      );
      const flattenOrders: EmergencyExitOrder[] = [];
      const cannotFlatten: PositionLeft[] = [];
      for (const position of openPositionsInScope(command.positions, scope)) {
        const planned = planExitOrder(command.stopId, position, command.pricing[position.symbol], 1);
        if (typeof planned === 'string') cannotFlatten.push(left(position, planned));
        else flattenOrders.push(planned);
      }
      const events: EmergencyStopEvent[] = [
        ...killEvents,
        {
          type: 'EmergencyStopStarted',
          data: { stopId: command.stopId, scope, actor: command.actor, reason: command.reason.trim(), flattenOrders, cannotFlatten, maxAttempts: command.maxAttempts, at: command.at },
        },
        alert(
          command.stopId,
          scope,
          'EMERGENCY_STOP_STARTED',
          `emergency stop for ${scope} by ${command.actor}${isPerson(command.actor) ? '' : ' (automatic)'}: ${flattenOrders.length} exit orders${
            cannotFlatten.length > 0 ? `; cannot flatten ${describe(cannotFlatten)}` : ''
          }`,
          command.at,
        ),
      ];
      if (flattenOrders.length === 0 && cannotFlatten.length === 0) {
        events.push({ type: 'EmergencyStopCompleted', data: { stopId: command.stopId, outcome: 'flat', remaining: [], at: command.at } });
      }
      return events;
    }
    case 'RecordEmergencyStopProgress': {
      if (state.status !== 'running') throw new DomainError('EMERGENCY_STOP_NOT_RUNNING', `emergency stop progress was refused: the stop is ${state.status}`);
      const open = openPositionsInScope(command.positions, state.scope);
      if (open.length === 0) return [{ type: 'EmergencyStopCompleted', data: { stopId: state.stopId, outcome: 'flat', remaining: [], at: command.at } }];
      const working = new Set(command.workingExitOrders.map((clientOrderId) => state.exitOrders[clientOrderId]).filter((key): key is string => key !== undefined));
      const flattenOrders: EmergencyExitOrder[] = [];
      const stuck: PositionLeft[] = [];
      const remaining: PositionLeft[] = [];
      for (const position of open) {
        const key = positionKey(position);
        if (working.has(key)) {
          remaining.push(left(position, 'exit order working'));
          continue;
        }
        const attempts = state.attempts[key] ?? 0;
        if (attempts >= state.maxAttempts) {
          stuck.push(left(position, `no fill after ${attempts} exit orders`));
          continue;
        }
        const planned = planExitOrder(state.stopId, position, command.pricing[position.symbol], attempts + 1);
        if (typeof planned === 'string') {
          stuck.push(left(position, planned));
        } else {
          flattenOrders.push(planned);
          remaining.push(left(position, `exit order attempt ${attempts + 1}`));
        }
      }
      if (flattenOrders.length === 0 && remaining.length === 0) return incomplete(state.stopId, state.scope, stuck, command.at);
      return [{ type: 'EmergencyStopProgress', data: { stopId: state.stopId, remaining: [...remaining, ...stuck], flattenOrders, at: command.at } }];
    }
    case 'ConcludeEmergencyStop': {
      if (state.status !== 'running') return [];
      const open = openPositionsInScope(command.positions, state.scope);
      if (open.length === 0) return [{ type: 'EmergencyStopCompleted', data: { stopId: state.stopId, outcome: 'flat', remaining: [], at: command.at } }];
      return incomplete(state.stopId, state.scope, open.map((position) => left(position, 'not flat by the deadline')), command.at);
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown emergency stop command ${JSON.stringify(unknown)}`);
    }
  }
}

function incomplete(stopId: string, scope: string, remaining: PositionLeft[], at: string): EmergencyStopEvent[] {
  return [
    { type: 'EmergencyStopCompleted', data: { stopId, outcome: 'incomplete', remaining, at } },
    alert(stopId, scope, 'EMERGENCY_STOP_INCOMPLETE', `emergency stop for ${scope} could not flatten: ${describe(remaining)}`, at),
  ];
}

function describe(positions: PositionLeft[]): string {
  return positions.map((position) => `${position.accountId} ${position.symbol} ${position.quantity} (${position.reason})`).join(', ');
}

function alert(stopId: string, scope: string, code: string, message: string, at: string): EmergencyStopEvent {
  return { type: 'AlertRaised', data: { severity: 'critical', source: 'emergency-stop', scope, code, message, dedupeKey: `${code}:${stopId}`, at } };
}

export const emergencyStopDecider: Decider<EmergencyStopCommand, EmergencyStopEvent, EmergencyStopState> = {
  decide: decideEmergencyStop,
  evolve: evolveEmergencyStop,
  initialState: initialEmergencyStopState,
};
