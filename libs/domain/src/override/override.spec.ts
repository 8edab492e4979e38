import { fold } from '@tollgate/kernel';
import { denialRecord } from '@tollgate/contracts';
import { PreTradeRiskEngine, type RiskDecision } from '../risk/pre-trade/engine';
import { ACCOUNT, at, expectValidEvents, limitsDocument, order, snapshotWith } from '../risk/risk.fixtures';
import type { RequestOverride } from './override.commands';
import { overrideDecider as decider } from './override.decide';
import type { OverrideEvent, OverrideState } from './override.state';

const engine = new PreTradeRiskEngine();
const iso = (offsetMs: number) => at(offsetMs).toISOString();
const request: RequestOverride = {
  type: 'RequestOverride',
  overrideId: 'ov-1',
  clientOrderId: 'big-order',
  intentId: 'intent-big',
  accountId: ACCOUNT,
  symbol: 'AAPL',
  side: 'buy',
  quantity: '1200',
  controls: ['QUANTITY_EXCEEDS_MAXIMUM'],
  requestedBy: 'user:ivan',
  reason: 'client block order',
  expiresAt: iso(10 * 60_000),
  at: iso(0),
};
const approve = { type: 'ApproveOverride' as const, approvedBy: 'user:jane', role: 'risk' as const, at: iso(1_000) };

function approved(): OverrideState {
  const events: OverrideEvent[] = [];
  let state = decider.initialState();
  for (const command of [request, approve]) {
    const produced = decider.decide(command, state);
    expectValidEvents(produced);
    events.push(...produced);
    state = fold(decider, events);
  }
  return state;
}

const snapshot = (overrides: OverrideState[]) => snapshotWith({ overrides, limits: limitsDocument((document) => (document.instrumentDefaults!.maxOrderQuantity = '1000')) });
const codes = (decision: RiskDecision) => (decision.verdict === 'deny' ? decision.reasons.map((reason) => reason.code) : []);

describe('C18 manual override', () => {
  it('needs a second person: self-approval is refused, and so is a trader or a program', () => {
    const requested = fold(decider, decider.decide(request, decider.initialState()));
    expect(() => decider.decide({ ...approve, approvedBy: 'user:ivan' }, requested)).toThrow('SELF_APPROVAL_REFUSED');
    expect(() => decider.decide({ ...approve, role: 'trader' }, requested)).toThrow('role trader');
    expect(() => decider.decide({ ...approve, approvedBy: 'system:bot' }, requested)).toThrow('not a person');
  });

  it('lets exactly the one approved order through, waiving only the named control', () => {
    const state = approved();
    const decision = engine.check(order({ clientOrderId: 'big-order', quantity: '1200', overrideId: 'ov-1', at: at(2_000) }), snapshot([state]));
    expect(decision.verdict).toBe('allow');
    expect(decision.verdict === 'allow' && decision.override).toMatchObject({ overrideId: 'ov-1', waived: [{ code: 'QUANTITY_EXCEEDS_MAXIMUM' }] });
    // The service records the use; a used override covers nothing more.
    const used = decider.decide(
      { type: 'UseOverride', clientOrderId: 'big-order', waived: (decision.verdict === 'allow' ? decision.override!.waived : []).map(denialRecord), at: iso(2_000) },
      state,
    );
    expectValidEvents(used);
    const spent = fold(decider, [...decider.decide(request, decider.initialState()), ...decider.decide(approve, fold(decider, decider.decide(request, decider.initialState()))), ...used]);
    expect(spent.status).toBe('used');
    expect(engine.check(order({ clientOrderId: 'big-order', quantity: '1200', overrideId: 'ov-1', at: at(3_000) }), snapshot([spent]))).toMatchObject({
      message: 'QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000; OVERRIDE_NOT_VALID: override=ov-1, problem=already_used',
    });
  });

  it('does not cover another order, a larger order, or a control it did not name', () => {
    const state = approved();
    expect(codes(engine.check(order({ clientOrderId: 'slice-1', quantity: '1200', overrideId: 'ov-1', at: at(2_000) }), snapshot([state])))).toEqual([
      'QUANTITY_EXCEEDS_MAXIMUM',
      'OVERRIDE_NOT_VALID',
    ]);
    expect(codes(engine.check(order({ clientOrderId: 'big-order', quantity: '1201', overrideId: 'ov-1', at: at(2_000) }), snapshot([state])))).toContain('OVERRIDE_NOT_VALID');
    expect(codes(engine.check(order({ clientOrderId: 'big-order', quantity: '1200', limitPrice: '106', overrideId: 'ov-1', at: at(2_000) }), snapshot([state])))).toEqual([
      'PRICE_OUTSIDE_COLLAR',
    ]);
  });

  it('expires: after its time it no longer covers the order, and cannot be approved', () => {
    const state = approved();
    expect(codes(engine.check(order({ clientOrderId: 'big-order', quantity: '1200', overrideId: 'ov-1', at: at(10 * 60_000) }), snapshot([state])))).toEqual([
      'STALE_MARKET_DATA',
      'OVERRIDE_NOT_VALID',
    ]);
    const fresh = snapshotWith({
      overrides: [state],
      referencePrices: { AAPL: { mid: '100', at: at(10 * 60_000) } },
      limits: limitsDocument((document) => (document.instrumentDefaults!.maxOrderQuantity = '1000')),
    });
    expect(engine.check(order({ clientOrderId: 'big-order', quantity: '1200', overrideId: 'ov-1', at: at(10 * 60_000) }), fresh)).toMatchObject({
      message: 'QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000; OVERRIDE_NOT_VALID: override=ov-1, problem=expired',
    });
    const expired = decider.decide({ type: 'ExpireOverride', at: iso(10 * 60_000) }, state);
    expectValidEvents(expired);
    expect(expired).toHaveLength(1);
    expect(decider.decide({ type: 'ExpireOverride', at: iso(60_000) }, state)).toEqual([]);
    const requested = fold(decider, decider.decide(request, decider.initialState()));
    expect(() => decider.decide({ ...approve, at: iso(10 * 60_000) }, requested)).toThrow('expired');
  });

  it('slicing the denied order does not get around the limit', () => {
    const state = approved();
    const parent = snapshotWith({
      overrides: [state],
      limits: limitsDocument((document) => (document.instrumentDefaults!.maxOrderQuantity = '1000')),
      workingOrders: [{ clientOrderId: 'big-order', intentId: 'intent-big', strategy: null, symbol: 'AAPL', side: 'buy', type: 'limit', remainingQuantity: '1200', limitPrice: '100' }],
    });
    // Once the overridden order works, another slice of the same intent is over the maximum.
    expect(engine.check(order({ intentId: 'intent-big', strategy: null, quantity: '10' }), parent)).toMatchObject({
      message: 'INTENT_QUANTITY_EXCEEDS_MAXIMUM: intent=intent-big, cumulative=1210, max=1000',
    });
  });

  it('refuses a request for a control that can never be overridden, or one that lasts too long', () => {
    expect(() => decider.decide({ ...request, controls: ['KILL_SWITCH_ENGAGED'] }, decider.initialState())).toThrow('cannot be overridden');
    expect(() => decider.decide({ ...request, expiresAt: iso(2 * 60 * 60_000) }, decider.initialState())).toThrow('expiresAt');
    expect(() => decider.decide({ ...request, requestedBy: 'auto' }, decider.initialState())).toThrow('not a person');
  });
});
