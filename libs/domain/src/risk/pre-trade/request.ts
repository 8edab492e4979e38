import type { z } from 'zod';
import type { Decimal, DecimalString } from '@tollgate/kernel';
import type { OrderSide, OrderType, tradingMode } from '@tollgate/contracts';

export type TradingMode = z.infer<typeof tradingMode>;
export type DecimalInput = Decimal | DecimalString;

/**
 * Where an order comes from. An `emergency_exit` that reduces a position passes the kill switch and
 * HALTED (it is how a person flattens a halted scope); size limits do not apply to it because it is
 * bounded by the position it closes, but the collar, fresh reference price and venue halts do.
 */
export type OrderOrigin = 'strategy' | 'manual' | 'exit' | 'emergency_exit';

/** A new order, or a replace of a working one, as risk sees it. */
export interface OrderCheckRequest {
  action: 'submit' | 'replace';
  accountId: string;
  /** null for a manual order. */
  strategy: string | null;
  /** The parent intent (proposal, manual order, exit) this order is one child of. */
  intentId: string;
  /** The parent intent's quantity, when it has one: children may never add up to more (C15). */
  intentQuantity?: DecimalInput | null;
  clientOrderId: string;
  /** For a replace: the working order it replaces. */
  replacesClientOrderId?: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: DecimalInput;
  limitPrice?: DecimalInput | null;
  stopPrice?: DecimalInput | null;
  origin: OrderOrigin;
  /** Approved by auto-mode rather than by a person: the auto-mode rails apply too. */
  autoApproved: boolean;
  /** An approved manual override this order claims. */
  overrideId?: string | null;
  /** Decision time; time enters through the request. */
  at: Date;
}

/** Cancels are never blocked, so a cancel needs nothing but its identity. */
export interface CancelCheckRequest {
  action: 'cancel';
  accountId: string;
  clientOrderId: string;
  at: Date;
}

export type PreTradeRequest = OrderCheckRequest | CancelCheckRequest;

export type Direction = 'buy' | 'sell';

export function directionOf(side: OrderSide): Direction {
  return side === 'buy' || side === 'buy_to_cover' ? 'buy' : 'sell';
}

export function carriesLimitPrice(type: OrderType): boolean {
  return type === 'limit' || type === 'stop_limit';
}
