import { dec, isDecimalString, ZERO, type Decimal } from '@tollgate/kernel';
import { denial, isOverridable, TICKER_PATTERN, raisesAlert, renderDenial, type AlertRaisedData, type DenialReason } from '@tollgate/contracts';
import { autoModeTradeReasons } from '../../auto-mode/auto-mode.decide';
import { overrideProblem } from '../../override/override.decide';
import type { CheckContext, PricedCheckContext } from './check-context';
import { exposureReasons } from './exposure-controls';
import { gateReasons } from './gate-controls';
import { orderReasons } from './order-controls';
import { carriesLimitPrice, directionOf, type DecimalInput, type OrderCheckRequest, type PreTradeRequest } from './request';
import type { RiskView } from './snapshot';

export interface OverrideWaiver {
  overrideId: string;
  /** The denials the override waived; the service records them in OverrideUsed. */
  waived: DenialReason[];
}

export type RiskDecision =
  | { verdict: 'allow'; override: OverrideWaiver | null; alerts: AlertRaisedData[] }
  | { verdict: 'deny'; reasons: DenialReason[]; message: string; alerts: AlertRaisedData[] };

const CANCEL_ALLOWED: RiskDecision = Object.freeze({ verdict: 'allow', override: null, alerts: [] }) as RiskDecision;

/**
 * The pre-trade check every order passes before it can reach a broker (15c3-5(c)(1), RTS 6 Art. 15).
 * Pure and synchronous: the risk service holds the snapshot, calls `check`, records an allowed order
 * in the snapshot's activity log, and turns a denial into OrderDenied with the reason codes.
 *
 * Two rules over all: default deny (no limits, no fresh reference price → deny) and cancels are
 * never blocked — a cancel is answered before anything else is looked at, so not even a failing
 * check can stop one.
 */
export class PreTradeRiskEngine {
  check(request: PreTradeRequest, snapshot: RiskView): RiskDecision {
    if (request.action === 'cancel') return CANCEL_ALLOWED;
    try {
      return this.evaluate(request, snapshot);
    } catch (error) {
      // A check that throws must not let an order through: it denies and alerts.
      return deny(request, [denial('RISK_CHECK_FAILED', { error: error instanceof Error ? error.message : String(error) })]);
    }
  }

  private evaluate(request: OrderCheckRequest, snapshot: RiskView): RiskDecision {
    const invalid = invalidField(request, snapshot);
    if (invalid) return deny(request, [invalid]);
    const account = snapshot.accountLimits;
    if (!account) return deny(request, [denial('NO_LIMITS_CONFIGURED', { account: request.accountId, symbol: '*' })]);
    const instrument = account.instrument(request.symbol);
    if (!instrument) return deny(request, [denial('NO_LIMITS_CONFIGURED', { account: request.accountId, symbol: request.symbol })]);

    const replaced = request.action === 'replace' ? (snapshot.workingById.get(request.replacesClientOrderId ?? '') ?? null) : null;
    if (request.action === 'replace') {
      if (!replaced) return deny(request, [denial('ORDER_INVALID', { field: 'replacesClientOrderId', problem: 'no working order has this id' })]);
      if (replaced.symbol !== request.symbol || directionOf(replaced.side) !== directionOf(request.side)) {
        return deny(request, [denial('ORDER_INVALID', { field: 'replacesClientOrderId', problem: 'a replace keeps the symbol and side of the order it replaces' })]);
      }
    }

    const quantity = dec(request.quantity, 'quantity');
    const direction = directionOf(request.side);
    const book = snapshot.books.get(request.symbol);
    const position = book?.position ?? ZERO;
    let workingBuy = book?.workingBuy ?? ZERO;
    let workingSell = book?.workingSell ?? ZERO;
    if (replaced) {
      if (direction === 'buy') workingBuy = workingBuy.minus(replaced.remainingQuantity);
      else workingSell = workingSell.minus(replaced.remainingQuantity);
    }
    const reducing =
      direction === 'sell'
        ? request.side !== 'sell_short' && position.greaterThan(0) && workingSell.plus(quantity).lessThanOrEqualTo(position)
        : position.isNegative() && workingBuy.plus(quantity).lessThanOrEqualTo(position.negated());

    const context: CheckContext = {
      request,
      snapshot,
      account,
      instrument,
      atMs: request.at.getTime(),
      quantity,
      limitPrice: optionalDecimal(request.limitPrice, 'limitPrice'),
      stopPrice: optionalDecimal(request.stopPrice, 'stopPrice'),
      intentQuantity: optionalDecimal(request.intentQuantity, 'intentQuantity'),
      direction,
      replaced,
      position,
      workingBuy,
      workingSell,
      reducing,
      emergencyExit: request.origin === 'emergency_exit' && reducing,
    };

    const reasons: DenialReason[] = [];
    gateReasons(context, reasons);

    // Fail closed: no reference, or a stale one, and nothing can be valued or collared.
    const reference = snapshot.referencePrice(request.symbol);
    if (!reference) {
      reasons.push(denial('REFERENCE_PRICE_MISSING', { symbol: request.symbol }));
      return this.conclude(context, reasons);
    }
    const ageMs = context.atMs - reference.atMs;
    if (ageMs > instrument.collar.maxReferenceAgeMs) {
      reasons.push(denial('STALE_MARKET_DATA', { symbol: request.symbol, ageMs: String(ageMs), maxAgeMs: String(instrument.collar.maxReferenceAgeMs) }));
      return this.conclude(context, reasons);
    }
    if (reference.bid && reference.ask && reference.bid.greaterThan(reference.ask)) {
      reasons.push(denial('MARKET_DATA_CROSSED', { symbol: request.symbol, bid: reference.bid.toFixed(), ask: reference.ask.toFixed() }));
      return this.conclude(context, reasons);
    }
    const valuationPrice = (carriesLimitPrice(request.type) ? context.limitPrice : request.type === 'stop' ? context.stopPrice : null) ?? reference.mid;
    const priced: PricedCheckContext = { ...context, reference, valuationPrice, notional: quantity.times(valuationPrice) };
    orderReasons(priced, reasons);
    exposureReasons(priced, reasons);
    if (request.autoApproved) {
      reasons.push(...autoModeTradeReasons(snapshot.autoMode, { strategy: request.strategy, symbol: request.symbol, notional: priced.notional, mode: snapshot.mode }));
    }
    return this.conclude(context, reasons);
  }

  /** Applies a claimed override (one order, approved by a second person, unexpired, unused) and decides. */
  private conclude(context: CheckContext, reasons: DenialReason[]): RiskDecision {
    const { request } = context;
    if (reasons.length === 0) return { verdict: 'allow', override: null, alerts: [] };
    if (!request.overrideId) return deny(request, reasons);
    const state = context.snapshot.overrides.get(request.overrideId);
    const problem = overrideProblem(state, { ...request, quantity: context.quantity, at: request.at });
    if (problem || !state || state.status === 'none') {
      return deny(request, [...reasons, denial('OVERRIDE_NOT_VALID', { override: request.overrideId, problem: problem ?? 'unknown' })]);
    }
    const covered = new Set(state.request.controls);
    const waived = reasons.filter((reason) => isOverridable(reason.code) && covered.has(reason.code));
    const remaining = reasons.filter((reason) => !waived.includes(reason));
    if (remaining.length > 0) return deny(request, remaining);
    return { verdict: 'allow', override: { overrideId: request.overrideId, waived }, alerts: [] };
  }
}

function deny(request: OrderCheckRequest, reasons: DenialReason[]): RiskDecision {
  const alerts: AlertRaisedData[] = [];
  for (const reason of reasons) {
    if (!raisesAlert(reason.code)) continue;
    alerts.push({
      severity: reason.code === 'RISK_CHECK_FAILED' ? 'critical' : 'warning',
      source: 'risk',
      scope: `account:${request.accountId}`,
      code: reason.code,
      message: `order ${request.clientOrderId} was denied: ${renderDenial(reason)}`,
      dedupeKey: `${reason.code}:${request.accountId}:${request.action}:${request.symbol}`,
      at: request.at.toISOString(),
    });
  }
  return { verdict: 'deny', reasons, message: reasons.map(renderDenial).join('; '), alerts };
}

function optionalDecimal(value: DecimalInput | null | undefined, field: string): Decimal | null {
  return value === null || value === undefined ? null : dec(value, field);
}

function isPositiveDecimal(value: DecimalInput | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string' && !isDecimalString(value)) return false;
  return dec(value).greaterThan(0);
}


/** A malformed request is denied, naming the field, before any limit is looked at. */
function invalidField(request: OrderCheckRequest, snapshot: RiskView): DenialReason | null {
  if (request.accountId !== snapshot.accountId) return denial('ORDER_INVALID', { field: 'accountId', problem: `the snapshot is for account ${snapshot.accountId}` });
  if (!TICKER_PATTERN.test(request.symbol)) return denial('ORDER_INVALID', { field: 'symbol', problem: 'must be an upper-case ticker like "AAPL"' });
  if (!isPositiveDecimal(request.quantity)) return denial('ORDER_INVALID', { field: 'quantity', problem: 'must be a positive decimal' });
  if (carriesLimitPrice(request.type) && !isPositiveDecimal(request.limitPrice)) {
    return denial('ORDER_INVALID', { field: 'limitPrice', problem: `a ${request.type} order needs a positive limit price` });
  }
  if ((request.type === 'stop' || request.type === 'stop_limit') && !isPositiveDecimal(request.stopPrice)) {
    return denial('ORDER_INVALID', { field: 'stopPrice', problem: `a ${request.type} order needs a positive stop price` });
  }
  if (request.type === 'market' && request.limitPrice !== undefined && request.limitPrice !== null) {
    return denial('ORDER_INVALID', { field: 'limitPrice', problem: 'a market order has no limit price' });
  }
  if (request.intentQuantity !== undefined && request.intentQuantity !== null && !isPositiveDecimal(request.intentQuantity)) {
    return denial('ORDER_INVALID', { field: 'intentQuantity', problem: 'must be a positive decimal' });
  }
  return null;
}
