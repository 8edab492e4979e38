import { createHash } from 'node:crypto';
import { dec, Decimal, DomainError, Rounding, ZERO } from '@tollgate/kernel';
import { describeIssues, simulatedFillModel, type SimulatedFillModelData } from '@tollgate/contracts';

/**
 * How the simulated exchange turns orders and market data into fills (docs/order-lifecycle.md,
 * "Simulated exchange"):
 * - latency: an order can match `latencyMs` (+ seeded jitter) after it was received;
 * - marketable orders fill at the touch (quotes) or the open (bars) moved `slippageBps` (+ seeded
 *   jitter) against them, never beyond their limit;
 * - resting limit orders fill at their limit when the market trades through it (or touches it);
 * - a bar lets orders on its symbol fill at most `participationRate` × its volume; a quote, at most
 *   its displayed size at the touch (when sizes are given);
 * - commission: `commissionPerShare` × shares, at least `commissionMinimumPerOrder` per order.
 */
export type FillModel = SimulatedFillModelData;

export const defaultFillModel: FillModel = Object.freeze({
  latencyMs: 50,
  latencyJitterMs: 0,
  slippageBps: '1',
  slippageJitterBps: '0',
  participationRate: '0.1',
  limitFillRule: 'trade_through',
  commissionPerShare: '0.005',
  commissionMinimumPerOrder: '1',
});

/** Defaults overridden field by field; an invalid setting is refused with its name. */
export function fillModelWith(overrides: Partial<FillModel> = {}): FillModel {
  const parsed = simulatedFillModel.safeParse({ ...defaultFillModel, ...overrides });
  if (!parsed.success) throw new DomainError('INVALID_FILL_MODEL', `fill model was invalid: ${describeIssues(parsed.error).join('; ')}`);
  if (dec(parsed.data.participationRate).gt(1)) {
    throw new DomainError('INVALID_FILL_MODEL', `participationRate=${parsed.data.participationRate} must be at most 1`);
  }
  return parsed.data;
}

/**
 * A number in [0, 1) fixed by the seed and what it is for. Stateless, so the same decision draws
 * the same number after a restart or a replay, whatever happened in between.
 */
export function seededUnit(seed: number, ...parts: Array<string | number>): Decimal {
  const digest = createHash('sha256').update(['tollgate.sim', seed, ...parts].join('\u001f')).digest();
  return new Decimal(digest.readUIntBE(0, 6)).div(2 ** 48);
}

export function latencyFor(model: FillModel, seed: number, clientOrderId: string): number {
  if (model.latencyJitterMs === 0) return model.latencyMs;
  return model.latencyMs + Math.floor(seededUnit(seed, 'latency', clientOrderId).toNumber() * (model.latencyJitterMs + 1));
}

export function slippageBpsFor(model: FillModel, seed: number, clientOrderId: string, fillSequence: number): Decimal {
  const jitter = dec(model.slippageJitterBps);
  const base = dec(model.slippageBps);
  return jitter.isZero() ? base : base.plus(jitter.mul(seededUnit(seed, 'slippage', clientOrderId, fillSequence)));
}

/** The commission an order owes once `filledQuantity` has filled: per share, with a minimum. */
export function commissionFor(model: FillModel, filledQuantity: Decimal): Decimal {
  if (!filledQuantity.gt(0)) return ZERO;
  return Rounding.money(Decimal.max(filledQuantity.mul(dec(model.commissionPerShare)), dec(model.commissionMinimumPerOrder)));
}
