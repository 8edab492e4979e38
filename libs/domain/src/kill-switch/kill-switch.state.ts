import type { AlertRaised, KillSwitchEngaged, KillSwitchReleased, RiskEventOf } from '@tollgate/contracts';
import { scopesOfOrder, type ScopedOrder } from '../risk/scope';

export type KillSwitchEvent = RiskEventOf<typeof KillSwitchEngaged> | RiskEventOf<typeof KillSwitchReleased> | RiskEventOf<typeof AlertRaised>;

export interface Engagement {
  actor: string;
  reason: string;
  at: string;
}

/** All kill switches in one stream (`killswitch-global`): engaging is rare and must see every scope. */
export interface KillSwitchState {
  engaged: Readonly<Record<string, Engagement>>;
}

export const initialKillSwitchState = (): KillSwitchState => ({ engaged: {} });

export function evolveKillSwitch(state: KillSwitchState, event: KillSwitchEvent): KillSwitchState {
  switch (event.type) {
    case 'KillSwitchEngaged':
      return { engaged: { ...state.engaged, [event.data.scope]: { actor: event.data.actor, reason: event.data.reason, at: event.data.at } } };
    case 'KillSwitchReleased': {
      const engaged = { ...state.engaged };
      delete engaged[event.data.scope];
      return { engaged };
    }
    case 'AlertRaised':
      return state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown kill switch event ${JSON.stringify(unknown)}`);
    }
  }
}

export function engagedScopes(state: KillSwitchState): string[] {
  return Object.keys(state.engaged);
}

/** The engaged scope that blocks this order, or null. */
export function killSwitchBlocking(state: KillSwitchState, order: ScopedOrder): string | null {
  for (const scope of scopesOfOrder(order)) if (state.engaged[scope]) return scope;
  return null;
}
