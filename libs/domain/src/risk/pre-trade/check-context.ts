import type { Decimal } from '@tollgate/kernel';
import type { CompiledAccountLimits, CompiledInstrumentLimits } from '../limits/limits';
import type { Direction, OrderCheckRequest } from './request';
import type { ReferencePrice, RiskView, WorkingOrder } from './snapshot';

/** One order under check, parsed once, with everything the controls share. */
export interface CheckContext {
  request: OrderCheckRequest;
  snapshot: RiskView;
  account: CompiledAccountLimits;
  instrument: CompiledInstrumentLimits;
  atMs: number;
  quantity: Decimal;
  limitPrice: Decimal | null;
  stopPrice: Decimal | null;
  intentQuantity: Decimal | null;
  direction: Direction;
  /** The working order a replace removes, if any. */
  replaced: WorkingOrder | null;
  position: Decimal;
  /** Working quantity on each side of the symbol, without the order being replaced. */
  workingBuy: Decimal;
  workingSell: Decimal;
  /** Closes part of the position without flipping it, even if every working order on its side fills. */
  reducing: boolean;
  /** An EmergencyExit that reduces: passes the kill switch and HALTED. */
  emergencyExit: boolean;
}

/** Context once the symbol's reference price is known and fresh. */
export interface PricedCheckContext extends CheckContext {
  reference: ReferencePrice;
  /** The price the order is valued at: its limit, its stop, or (market) the reference mid. */
  valuationPrice: Decimal;
  notional: Decimal;
}
