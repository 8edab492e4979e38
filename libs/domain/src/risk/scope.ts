import { DomainError } from '@tollgate/kernel';
import type { RiskScope } from '@tollgate/contracts';

/** The scope text forms: `all`, `account:ID`, `strategy:NAME`, `symbol:SYM`. */
const SCOPE_PATTERN = /^(all|account:[A-Za-z0-9_.-]+|strategy:[A-Za-z0-9_.-]+|symbol:[A-Z][A-Z0-9.]{0,9})$/;

export function parseRiskScope(text: string): RiskScope {
  if (!SCOPE_PATTERN.test(text)) {
    throw new DomainError('SCOPE_INVALID', `scope ${JSON.stringify(text)} was not one of all | account:ID | strategy:NAME | symbol:SYM`, { scope: text });
  }
  return text;
}

export interface ScopedOrder {
  accountId: string;
  strategy: string | null;
  symbol: string;
}

/** Every scope an order falls in, broadest first. */
export function scopesOfOrder(order: ScopedOrder): RiskScope[] {
  const scopes: RiskScope[] = ['all', `account:${order.accountId}`];
  if (order.strategy) scopes.push(`strategy:${order.strategy}`);
  scopes.push(`symbol:${order.symbol}`);
  return scopes;
}

export function orderInScope(order: ScopedOrder, scope: RiskScope): boolean {
  if (scope === 'all') return true;
  const separator = scope.indexOf(':');
  const kind = scope.slice(0, separator);
  const value = scope.slice(separator + 1);
  switch (kind) {
    case 'account':
      return order.accountId === value;
    case 'strategy':
      return order.strategy === value;
    case 'symbol':
      return order.symbol === value;
    default:
      return false;
  }
}
