import { dec, DomainError, type Decider, type Decimal } from '@tollgate/kernel';
import { isOverridable, type OrderSide } from '@tollgate/contracts';
import { isPerson, requirePersonWithRole, requireReason, RISK_ROLES } from '../risk/authority';
import type { OverrideCommand } from './override.commands';
import { evolveOverride, initialOverrideState, type OverrideEvent, type OverrideState } from './override.state';

/** An override is for one order now, not a standing exemption. */
export const MAX_OVERRIDE_LIFETIME_MS = 60 * 60 * 1000;

export function decideOverride(command: OverrideCommand, state: OverrideState): OverrideEvent[] {
  switch (command.type) {
    case 'RequestOverride': {
      if (state.status !== 'none') throw new DomainError('OVERRIDE_EXISTS', `override ${command.overrideId} was already requested`);
      if (!isPerson(command.requestedBy)) throw new DomainError('PERSON_REQUIRED', `override request was refused: ${command.requestedBy} is not a person`);
      requireReason(command.reason, 'override request');
      const notOverridable = command.controls.filter((control) => !isOverridable(control));
      if (notOverridable.length > 0) {
        throw new DomainError('CONTROL_NOT_OVERRIDABLE', `override request was refused: ${notOverridable.join(', ')} cannot be overridden`, { controls: notOverridable });
      }
      if (command.controls.length === 0) throw new DomainError('CONTROL_REQUIRED', 'override request was refused: it named no control');
      const lifetime = Date.parse(command.expiresAt) - Date.parse(command.at);
      if (!(lifetime > 0 && lifetime <= MAX_OVERRIDE_LIFETIME_MS)) {
        throw new DomainError('OVERRIDE_LIFETIME_INVALID', `override request was refused: expiresAt must be after the request and within ${MAX_OVERRIDE_LIFETIME_MS} ms`, {
          expiresAt: command.expiresAt,
        });
      }
      dec(command.quantity, 'override quantity');
      const { type: _type, ...data } = command;
      return [{ type: 'OverrideRequested', data: { ...data, reason: command.reason.trim(), controls: [...new Set(command.controls)] } }];
    }
    case 'ApproveOverride': {
      if (state.status !== 'requested') throw new DomainError('OVERRIDE_NOT_PENDING', `override approval was refused: the override is ${state.status}`);
      if (command.approvedBy === state.request.requestedBy) {
        throw new DomainError('SELF_APPROVAL_REFUSED', `override approval was refused: ${command.approvedBy} requested it and cannot approve it`);
      }
      requirePersonWithRole({ actor: command.approvedBy, role: command.role }, RISK_ROLES, 'override approval');
      if (Date.parse(command.at) >= Date.parse(state.request.expiresAt)) {
        throw new DomainError('OVERRIDE_EXPIRED', `override approval was refused: it expired at ${state.request.expiresAt}`);
      }
      return [{ type: 'OverrideApproved', data: { overrideId: state.request.overrideId, approvedBy: command.approvedBy, role: command.role!, at: command.at } }];
    }
    case 'ExpireOverride': {
      if (state.status !== 'requested' && state.status !== 'approved') return [];
      if (Date.parse(command.at) < Date.parse(state.request.expiresAt)) return [];
      return [{ type: 'OverrideExpired', data: { overrideId: state.request.overrideId, at: command.at } }];
    }
    case 'UseOverride': {
      if (state.status !== 'approved') throw new DomainError('OVERRIDE_NOT_USABLE', `override use was refused: the override is ${state.status}`);
      if (command.clientOrderId !== state.request.clientOrderId) {
        throw new DomainError('OVERRIDE_NOT_USABLE', `override use was refused: it covers order ${state.request.clientOrderId}, not ${command.clientOrderId}`);
      }
      if (Date.parse(command.at) >= Date.parse(state.request.expiresAt)) {
        throw new DomainError('OVERRIDE_EXPIRED', `override use was refused: it expired at ${state.request.expiresAt}`);
      }
      return [{ type: 'OverrideUsed', data: { overrideId: state.request.overrideId, clientOrderId: command.clientOrderId, waived: command.waived, at: command.at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown override command ${JSON.stringify(unknown)}`);
    }
  }
}

export const overrideDecider: Decider<OverrideCommand, OverrideEvent, OverrideState> = {
  decide: decideOverride,
  evolve: evolveOverride,
  initialState: initialOverrideState,
};

export interface OverrideClaim {
  clientOrderId: string;
  accountId: string;
  symbol: string;
  side: OrderSide;
  quantity: Decimal;
  at: Date;
}

/**
 * Why an override cannot cover this order, or null when it can. It covers exactly the order it was
 * approved for: same client order id, account, symbol and side, no more quantity, before it expires,
 * once. A slice of a denied order has another client order id, so it is not covered.
 */
export function overrideProblem(state: OverrideState | undefined, claim: OverrideClaim): string | null {
  if (!state || state.status === 'none') return 'unknown';
  if (state.status === 'requested') return 'not_approved';
  if (state.status === 'used') return 'already_used';
  if (state.status === 'expired' || claim.at.getTime() >= Date.parse(state.request.expiresAt)) return 'expired';
  const request = state.request;
  if (request.clientOrderId !== claim.clientOrderId) return `covers_order_${request.clientOrderId}`;
  if (request.accountId !== claim.accountId || request.symbol !== claim.symbol || request.side !== claim.side) return 'order_differs_from_approved';
  if (claim.quantity.greaterThan(dec(request.quantity))) return 'quantity_above_approved';
  return null;
}
