import { DomainError } from '@tollgate/kernel';
import type { OperatorRole } from '@tollgate/contracts';

/**
 * Who may loosen a control. Actors are `user:<name>` (a person), `auto`, or `system:<service>`.
 * Tightening is open to anyone and anything; loosening (reset, release, re-enable, approve) needs a
 * person with one of the listed roles and a reason, so a program can never undo a control.
 */
export function isPerson(actor: string): boolean {
  return /^user:\S+$/.test(actor);
}

export function requirePersonWithRole(
  request: { actor: string; role: OperatorRole | null | undefined; reason?: string },
  allowedRoles: readonly OperatorRole[],
  action: string,
): void {
  if (!isPerson(request.actor)) {
    throw new DomainError('PERSON_REQUIRED', `${action} was refused: actor ${request.actor} is not a person (user:<name>)`, { actor: request.actor });
  }
  if (!request.role || !allowedRoles.includes(request.role)) {
    throw new DomainError('ROLE_NOT_PERMITTED', `${action} was refused: role ${request.role ?? 'none'} is not one of ${allowedRoles.join(', ')}`, {
      actor: request.actor,
      role: request.role ?? null,
    });
  }
  if (request.reason !== undefined) requireReason(request.reason, action);
}

export function requireReason(reason: string, action: string): void {
  if (reason.trim().length === 0) throw new DomainError('REASON_REQUIRED', `${action} was refused: a reason is required`);
}

/** Roles that may reset breakers, release kill switches, re-enable strategies and approve overrides. */
export const RISK_ROLES: readonly OperatorRole[] = ['risk', 'admin'];
