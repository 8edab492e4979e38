import type {
  AlertRaised,
  EmergencyStopCompleted,
  EmergencyStopCompletedData,
  EmergencyStopProgress,
  EmergencyStopStarted,
  EmergencyExitOrder,
  RiskEventOf,
} from '@tollgate/contracts';
import type { KillSwitchEvent } from './kill-switch.state';

export type EmergencyStopEvent =
  | RiskEventOf<typeof EmergencyStopStarted>
  | RiskEventOf<typeof EmergencyStopProgress>
  | RiskEventOf<typeof EmergencyStopCompleted>
  | RiskEventOf<typeof AlertRaised>
  | KillSwitchEvent;

/** One stop per stream (`emergencystop-<stopId>`); its kill switch events belong to `killswitch-global`. */
export type EmergencyStopState =
  | { status: 'idle' }
  | {
      status: 'running';
      stopId: string;
      scope: string;
      maxAttempts: number;
      /** Exit orders sent per position (`account|strategy|symbol`). */
      attempts: Readonly<Record<string, number>>;
      /** Exit order → the position it closes. */
      exitOrders: Readonly<Record<string, string>>;
      startedAt: string;
    }
  | { status: 'completed'; stopId: string; outcome: EmergencyStopCompletedData['outcome']; remaining: EmergencyStopCompletedData['remaining'] };

export const initialEmergencyStopState = (): EmergencyStopState => ({ status: 'idle' });

export function positionKey(position: { accountId: string; strategy: string | null; symbol: string }): string {
  return `${position.accountId}|${position.strategy ?? ''}|${position.symbol}`;
}

function withOrders(state: Extract<EmergencyStopState, { status: 'running' }>, orders: readonly EmergencyExitOrder[]): EmergencyStopState {
  const attempts = { ...state.attempts };
  const exitOrders = { ...state.exitOrders };
  for (const order of orders) {
    const key = positionKey(order);
    attempts[key] = Math.max(attempts[key] ?? 0, order.attempt);
    exitOrders[order.clientOrderId] = key;
  }
  return { ...state, attempts, exitOrders };
}

export function evolveEmergencyStop(state: EmergencyStopState, event: EmergencyStopEvent): EmergencyStopState {
  switch (event.type) {
    case 'EmergencyStopStarted': {
      const running: Extract<EmergencyStopState, { status: 'running' }> = {
        status: 'running',
        stopId: event.data.stopId,
        scope: event.data.scope,
        maxAttempts: 0,
        attempts: {},
        exitOrders: {},
        startedAt: event.data.at,
      };
      // Positions that could not be priced count as one attempt each.
      const attempts: Record<string, number> = {};
      for (const left of event.data.cannotFlatten) attempts[positionKey(left)] = 1;
      return withOrders({ ...running, attempts, maxAttempts: event.data.maxAttempts }, event.data.flattenOrders);
    }
    case 'EmergencyStopProgress': {
      if (state.status !== 'running') return state;
      const attempts = { ...state.attempts };
      for (const left of event.data.remaining) attempts[positionKey(left)] = attempts[positionKey(left)] ?? 0;
      return withOrders({ ...state, attempts }, event.data.flattenOrders);
    }
    case 'EmergencyStopCompleted':
      return state.status === 'idle'
        ? state
        : { status: 'completed', stopId: state.stopId, outcome: event.data.outcome, remaining: event.data.remaining };
    case 'AlertRaised':
    case 'KillSwitchEngaged':
    case 'KillSwitchReleased':
      return state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown emergency stop event ${JSON.stringify(unknown)}`);
    }
  }
}
