import type {
  ReconciliationBreakAcknowledgedData,
  ReconciliationBreakOpenedData,
  ReconciliationBreakResolvedData,
} from '@tollgate/contracts';
import { assertNever } from '@tollgate/kernel';
import type { ProducedEvent } from '../sync/sync.types';

export type BreakEvent =
  | ProducedEvent<'ReconciliationBreakOpened', ReconciliationBreakOpenedData>
  | ProducedEvent<'ReconciliationBreakAcknowledged', ReconciliationBreakAcknowledgedData>
  | ProducedEvent<'ReconciliationBreakResolved', ReconciliationBreakResolvedData>;

/** A break's life: none → open → (acknowledged) → resolved. Each state carries only what is true in it. */
export type BreakState =
  | { status: 'none' }
  | { status: 'open'; opened: ReconciliationBreakOpenedData }
  | { status: 'acknowledged'; opened: ReconciliationBreakOpenedData; acknowledged: ReconciliationBreakAcknowledgedData }
  | {
      status: 'resolved';
      opened: ReconciliationBreakOpenedData;
      acknowledged: ReconciliationBreakAcknowledgedData | null;
      resolved: ReconciliationBreakResolvedData;
    };

export const initialBreakState: BreakState = { status: 'none' };

export function evolveBreak(state: BreakState, event: BreakEvent): BreakState {
  switch (event.type) {
    case 'ReconciliationBreakOpened':
      return state.status === 'none' ? { status: 'open', opened: event.data } : state;
    case 'ReconciliationBreakAcknowledged':
      return state.status === 'open' ? { status: 'acknowledged', opened: state.opened, acknowledged: event.data } : state;
    case 'ReconciliationBreakResolved':
      if (state.status === 'open') return { status: 'resolved', opened: state.opened, acknowledged: null, resolved: event.data };
      if (state.status === 'acknowledged') {
        return { status: 'resolved', opened: state.opened, acknowledged: state.acknowledged, resolved: event.data };
      }
      return state;
    default:
      return assertNever(event, 'break event');
  }
}
