import type { EmergencyExitCause, ExitRule, PositionExitEvent } from '@tollgate/contracts';
import { assertNever } from '@tollgate/kernel';

export interface WorkingExit {
  exitIntentId: string;
  kind: 'rule' | 'emergency';
  rule: ExitRule | null;
  cause: EmergencyExitCause | null;
}

/**
 * One position's exits. `exiting` holds the single live exit intent; there is no state with two,
 * so a second rule firing while one works cannot become a second order.
 */
export type PositionExitState =
  | { status: 'open'; emergencyExits: number }
  | { status: 'exiting'; working: WorkingExit; emergencyExits: number }
  | { status: 'closed'; closedBy: string; emergencyExits: number };

export function initialPositionExitState(): PositionExitState {
  return { status: 'open', emergencyExits: 0 };
}

export function evolvePositionExit(state: PositionExitState, event: PositionExitEvent): PositionExitState {
  switch (event.type) {
    case 'ExitRequested':
      return { status: 'exiting', working: { exitIntentId: event.data.exitIntentId, kind: 'rule', rule: event.data.rule, cause: null }, emergencyExits: state.emergencyExits };
    case 'EmergencyExit':
      return {
        status: 'exiting',
        working: { exitIntentId: event.data.exitIntentId, kind: 'emergency', rule: event.data.rule, cause: event.data.cause },
        emergencyExits: state.emergencyExits + 1,
      };
    case 'ExitCompleted':
      return { status: 'closed', closedBy: event.data.exitIntentId, emergencyExits: state.emergencyExits };
    case 'ExitAbandoned':
      return { status: 'open', emergencyExits: state.emergencyExits };
    default:
      return assertNever(event, 'position exit event');
  }
}
