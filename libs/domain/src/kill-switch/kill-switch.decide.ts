import { DomainError, type Decider } from '@tollgate/kernel';
import { requirePersonWithRole, requireReason, RISK_ROLES } from '../risk/authority';
import { orderInScope, parseRiskScope } from '../risk/scope';
import type { KillSwitchCommand } from './kill-switch.commands';
import { evolveKillSwitch, initialKillSwitchState, type KillSwitchEvent, type KillSwitchState } from './kill-switch.state';

/**
 * RTS 6 Art. 12. Anyone may engage (a trader, the risk function, a watchdog); engaging blocks new
 * orders in the scope and lists its resting orders for cancelling; other scopes are untouched. It
 * stays engaged across restarts (it is events) until a person with a risk role releases that scope.
 * Nothing here reads P&L or prices, so nothing here can fail because they are broken.
 */
export function decideKillSwitch(command: KillSwitchCommand, state: KillSwitchState): KillSwitchEvent[] {
  const scope = parseRiskScope(command.scope);
  switch (command.type) {
    case 'EngageKillSwitch': {
      requireReason(command.reason, 'engaging the kill switch');
      const ordersToCancel = command.restingOrders.filter((order) => orderInScope(order, scope)).map((order) => order.clientOrderId);
      // Engaging again is how a person re-sweeps orders that slipped in; with nothing to cancel it is a no-op.
      if (state.engaged[scope] && ordersToCancel.length === 0) return [];
      return [
        { type: 'KillSwitchEngaged', data: { scope, actor: command.actor, reason: command.reason.trim(), ordersToCancel, at: command.at } },
        {
          type: 'AlertRaised',
          data: {
            severity: 'critical',
            source: 'kill-switch',
            scope,
            code: 'KILL_SWITCH_ENGAGED',
            message: `kill switch engaged for ${scope} by ${command.actor}: ${command.reason.trim()}; ${ordersToCancel.length} resting orders to cancel`,
            dedupeKey: `KILL_SWITCH_ENGAGED:${scope}`,
            at: command.at,
          },
        },
      ];
    }
    case 'ReleaseKillSwitch': {
      requirePersonWithRole(command, RISK_ROLES, `releasing the kill switch for ${scope}`);
      if (!state.engaged[scope]) throw new DomainError('KILL_SWITCH_NOT_ENGAGED', `releasing the kill switch was refused: ${scope} is not engaged`);
      return [{ type: 'KillSwitchReleased', data: { scope, actor: command.actor, role: command.role!, reason: command.reason.trim(), at: command.at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown kill switch command ${JSON.stringify(unknown)}`);
    }
  }
}

export const killSwitchDecider: Decider<KillSwitchCommand, KillSwitchEvent, KillSwitchState> = {
  decide: decideKillSwitch,
  evolve: evolveKillSwitch,
  initialState: initialKillSwitchState,
};
