import { dec, DomainError, type Decider } from '@tollgate/kernel';
import {
  denial,
  type CircuitBreakerTripped,
  type DenialReason,
  type EventData,
  type KillSwitchEngaged,
  type ReconciliationBreakOpened,
  type RiskEventOf,
  type SyncFailed,
} from '@tollgate/contracts';
import { requirePersonWithRole } from '../risk/authority';
import type { DecimalInput, TradingMode } from '../risk/pre-trade/request';
import type { AutoModeCommand, DisableAutoMode } from './auto-mode.commands';
import { evolveAutoMode, initialAutoModeState, type AutoModeEvent, type AutoModeState } from './auto-mode.state';

export function decideAutoMode(command: AutoModeCommand, state: AutoModeState): AutoModeEvent[] {
  switch (command.type) {
    case 'EnableAutoMode': {
      requirePersonWithRole(command, ['admin'], 'turning auto-mode on');
      if (!command.limits) {
        throw new DomainError('AUTO_MODE_LIMITS_MISSING', `turning auto-mode on was refused: account ${command.accountId} has no autoMode limits configured`);
      }
      const gatePassed = command.mode === 'SIMULATED' || (command.readinessGate?.mode === command.mode && command.readinessGate.passed);
      if (!gatePassed) {
        throw new DomainError('READINESS_GATE_NOT_PASSED', `turning auto-mode on was refused: the readiness gate for ${command.mode} has not passed`, { mode: command.mode });
      }
      if (state.status === 'on') {
        if (state.mode === command.mode) return [];
        throw new DomainError('AUTO_MODE_ALREADY_ON', `turning auto-mode on was refused: it is already on for ${state.mode}`);
      }
      return [
        {
          type: 'AutoModeEnabled',
          data: { mode: command.mode, accountId: command.accountId, actor: command.actor, reason: command.reason.trim(), limits: command.limits, at: command.at },
        },
      ];
    }
    case 'DisableAutoMode': {
      if (state.status === 'off') return [];
      return [
        {
          type: 'AutoModeDisabled',
          data: { mode: state.mode, accountId: state.accountId, cause: command.cause, detail: command.detail, actor: command.actor, at: command.at },
        },
      ];
    }
    case 'CountAutoApproval': {
      if (state.status === 'off') throw new DomainError('AUTO_MODE_OFF', 'an auto-approval was counted while auto-mode was off');
      dec(command.notional, 'notional');
      return [{ type: 'AutoApprovalCounted', data: { proposalId: command.proposalId, tradingDay: command.tradingDay, notional: command.notional, at: command.at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown auto-mode command ${JSON.stringify(unknown)}`);
    }
  }
}

export const autoModeDecider: Decider<AutoModeCommand, AutoModeEvent, AutoModeState> = {
  decide: decideAutoMode,
  evolve: evolveAutoMode,
  initialState: initialAutoModeState,
};

export interface AutoTrade {
  strategy: string | null;
  symbol: string;
  notional: DecimalInput;
  mode: TradingMode;
}

export interface AutoProposal extends AutoTrade {
  /** The trading day the proposal falls in (the calendar's, not UTC's). */
  tradingDay: string;
}

export type AutoModeVerdict = { allowed: true } | { allowed: false; reasons: DenialReason[] };

/** The rails a single auto trade must stay within: on for this mode, allowed strategy and symbol, notional cap. */
export function autoModeTradeReasons(state: AutoModeState | null, trade: AutoTrade): DenialReason[] {
  if (!state || state.status !== 'on' || state.mode !== trade.mode) return [denial('AUTO_MODE_OFF', { mode: trade.mode })];
  const reasons: DenialReason[] = [];
  if (!trade.strategy || !state.limits.strategies.includes(trade.strategy)) {
    reasons.push(denial('AUTO_MODE_STRATEGY_NOT_ALLOWED', { strategy: trade.strategy ?? 'manual' }));
  }
  if (!state.limits.symbols.includes(trade.symbol)) reasons.push(denial('AUTO_MODE_SYMBOL_NOT_ALLOWED', { symbol: trade.symbol }));
  const notional = dec(trade.notional, 'notional');
  const max = dec(state.limits.maxNotionalPerTrade, 'maxNotionalPerTrade');
  if (notional.greaterThan(max)) reasons.push(denial('AUTO_MODE_NOTIONAL_EXCEEDS_MAXIMUM', { notional: notional.toFixed(), max: max.toFixed() }));
  return reasons;
}

/**
 * May auto-mode approve this proposal without a person? For the proposals service, before it
 * auto-approves (and then counts the approval with CountAutoApproval).
 */
export function autoModeAllows(state: AutoModeState, proposal: AutoProposal): AutoModeVerdict {
  const reasons = autoModeTradeReasons(state, proposal);
  if (state.status === 'on' && state.mode === proposal.mode) {
    const countToday = state.approvals.tradingDay === proposal.tradingDay ? state.approvals.count : 0;
    if (countToday + 1 > state.limits.maxOrdersPerDay) {
      reasons.push(denial('AUTO_MODE_DAILY_ORDER_LIMIT_REACHED', { count: String(countToday), max: String(state.limits.maxOrdersPerDay) }));
    }
  }
  return reasons.length === 0 ? { allowed: true } : { allowed: false, reasons };
}

/**
 * Auto-mode never turns itself back on, and these turn it off: any breaker trip, any kill switch,
 * any reconciliation break and any sync failure, whichever account they concern. The service feeds
 * every event through this and sends the command it returns.
 */
export function autoModeReaction(
  event: RiskEventOf<typeof CircuitBreakerTripped> | RiskEventOf<typeof KillSwitchEngaged> | { type: string; data: unknown },
  at: string,
): DisableAutoMode | null {
  if (event.type === 'CircuitBreakerTripped') {
    const data = (event as RiskEventOf<typeof CircuitBreakerTripped>).data;
    const cause = data.breaker === 'reconciliation_break' ? 'reconciliation_break' : data.breaker === 'sync_failure' ? 'sync_failure' : 'circuit_breaker';
    return { type: 'DisableAutoMode', cause, detail: `${data.breaker} tripped in ${data.scope}: value=${data.value}, bound=${data.bound}`, actor: 'system:risk', at };
  }
  if (event.type === 'ReconciliationBreakOpened') {
    const data = event.data as EventData<typeof ReconciliationBreakOpened>;
    return { type: 'DisableAutoMode', cause: 'reconciliation_break', detail: `reconciliation break on ${data.accountId}: ${data.subject.kind} ${data.subject.key} ${data.field}`, actor: 'system:risk', at };
  }
  if (event.type === 'SyncFailed') {
    const data = event.data as EventData<typeof SyncFailed>;
    return { type: 'DisableAutoMode', cause: 'sync_failure', detail: `sync of ${data.accountId} failed: ${data.query}: ${data.lastError}`, actor: 'system:risk', at };
  }
  if (event.type === 'KillSwitchEngaged') {
    const data = (event as RiskEventOf<typeof KillSwitchEngaged>).data;
    return { type: 'DisableAutoMode', cause: 'kill_switch', detail: `kill switch engaged for ${data.scope} by ${data.actor}: ${data.reason}`, actor: 'system:risk', at };
  }
  return null;
}
