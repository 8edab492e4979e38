import type { Decimal } from '@tollgate/kernel';
import type { ExitDecision, ExitPosition } from './exit-rules';
import type { RequestExit } from './position-exit.commands';
import { exitIntentIdFor } from './position-exit.decide';

/**
 * The command that records a fired rule on the position's exit stream. Evaluating on every market
 * event fires the same rule again and again; each attempt is a new intent id, and the aggregate
 * refuses it while the first exit works.
 */
export function exitRequestFor(
  position: ExitPosition,
  decision: ExitDecision,
  options: { at: string; duringMarketHours: boolean; wideSpreadBps: Decimal; actor?: string },
): RequestExit {
  return {
    type: 'RequestExit',
    positionId: position.positionId,
    exitIntentId: exitIntentIdFor(position.positionId, decision.rule, options.at),
    symbol: position.symbol,
    side: position.side === 'long' ? 'sell' : 'buy_to_cover',
    quantity: position.quantity,
    orderType: decision.orderType,
    limitPrice: decision.limitPrice,
    detail: decision.detail,
    actor: options.actor ?? 'system:exits',
    at: options.at,
    rule: decision.rule,
    triggerPrice: decision.triggerPrice,
    spreadBps: decision.spreadBps,
    wideSpreadBps: options.wideSpreadBps,
    duringMarketHours: options.duringMarketHours,
  };
}
