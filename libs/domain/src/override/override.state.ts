import type {
  OverrideApproved,
  OverrideExpired,
  OverrideRequested,
  OverrideRequestedData,
  OverrideUsed,
  RiskEventOf,
} from '@tollgate/contracts';

export type OverrideEvent =
  | RiskEventOf<typeof OverrideRequested>
  | RiskEventOf<typeof OverrideApproved>
  | RiskEventOf<typeof OverrideExpired>
  | RiskEventOf<typeof OverrideUsed>;

/** One override per stream (`override-<id>`); each state holds only what is true in it. */
export type OverrideState =
  | { status: 'none' }
  | { status: 'requested'; request: OverrideRequestedData }
  | { status: 'approved'; request: OverrideRequestedData; approvedBy: string; approvedAt: string }
  | { status: 'used'; request: OverrideRequestedData; approvedBy: string; usedAt: string }
  | { status: 'expired'; request: OverrideRequestedData; expiredAt: string };

export const initialOverrideState = (): OverrideState => ({ status: 'none' });

export function evolveOverride(state: OverrideState, event: OverrideEvent): OverrideState {
  switch (event.type) {
    case 'OverrideRequested':
      return { status: 'requested', request: event.data };
    case 'OverrideApproved':
      return state.status === 'requested' ? { status: 'approved', request: state.request, approvedBy: event.data.approvedBy, approvedAt: event.data.at } : state;
    case 'OverrideExpired':
      return state.status === 'requested' || state.status === 'approved' ? { status: 'expired', request: state.request, expiredAt: event.data.at } : state;
    case 'OverrideUsed':
      return state.status === 'approved' ? { status: 'used', request: state.request, approvedBy: state.approvedBy, usedAt: event.data.at } : state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown override event ${JSON.stringify(unknown)}`);
    }
  }
}
