import { z } from 'zod';

/**
 * Every reason risk gives for denying an order, in one place. "Denied" is ours (risk said no and the
 * order never left); "Rejected" is the venue's. A code is stable forever: dashboards, drills and the
 * audit trail match on it. Each code names the context keys it is rendered with, in order, so a
 * denial reads `QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000`.
 *
 * `overridable`: a manual override with a second person's approval may waive it for one order.
 * Controls that protect the market or the firm from a broken system (kill switch, halts, stale
 * data, throttles, duplicates, self-match) are never overridable.
 * `alerting`: a denial with this code also raises an alert, because it signals a system problem
 * rather than one oversized order.
 */
interface ReasonCodeDefinition {
  readonly keys: readonly string[];
  readonly description: string;
  readonly overridable: boolean;
  readonly alerting: boolean;
}

function code<const Keys extends readonly string[]>(
  keys: Keys,
  description: string,
  flags: { overridable?: boolean; alerting?: boolean } = {},
): { keys: Keys; description: string; overridable: boolean; alerting: boolean } {
  return { keys, description, overridable: flags.overridable ?? false, alerting: flags.alerting ?? false };
}

export const denialReasonCodes = {
  // Default deny and fail closed.
  NO_LIMITS_CONFIGURED: code(['account', 'symbol'], 'no risk limits are configured for this account or instrument'),
  REFERENCE_PRICE_MISSING: code(['symbol'], 'no reference price is known for the symbol, so the order cannot be valued'),
  STALE_MARKET_DATA: code(['symbol', 'ageMs', 'maxAgeMs'], 'the reference price is older than the maximum reference age', { alerting: true }),
  MARKET_DATA_CROSSED: code(['symbol', 'bid', 'ask'], 'the reference quote is crossed (bid above ask), so it cannot be trusted', { alerting: true }),
  ACCOUNT_STATE_UNKNOWN: code(['account', 'field'], 'equity or buying power is unknown; unknown is not zero'),
  ORDER_INVALID: code(['field', 'problem'], 'the order request is malformed'),
  RISK_CHECK_FAILED: code(['error'], 'the risk check itself failed; a failing check denies', { alerting: true }),

  // Trading state, kill switch, halts, permissions.
  TRADING_HALTED: code(['scope', 'cause'], 'the scope is HALTED: nothing but cancels'),
  TRADING_REDUCING_ONLY: code(['scope', 'cause'], 'the scope is REDUCING: only risk-reducing orders'),
  KILL_SWITCH_ENGAGED: code(['scope'], 'a kill switch covers this order'),
  STRATEGY_DISABLED: code(['strategy', 'cause'], 'the strategy is disabled until a person re-enables it'),
  VENUE_HALTED: code(['scope'], 'the venue has halted the symbol or the market'),
  NOT_PERMITTED_IN_MODE: code(['mode', 'kind', 'value'], 'the strategy, symbol or manual trading is outside the permissions of this mode'),
  SYMBOL_COUNT_EXCEEDS_ENVELOPE: code(['mode', 'symbols', 'max'], 'the order would trade more distinct symbols than the mode allows'),
  SYMBOL_RESTRICTED: code(['symbol'], 'the symbol is on the restricted list', { overridable: true }),
  SHORT_SALE_NOT_PERMITTED: code(['symbol', 'reason'], 'the order would sell short a symbol that is not shortable or without short-sale permission'),

  // The order itself.
  QUANTITY_EXCEEDS_MAXIMUM: code(['quantity', 'max'], 'order quantity above the maximum', { overridable: true }),
  NOTIONAL_EXCEEDS_MAXIMUM: code(['notional', 'max'], 'order notional above the maximum (market orders at the reference price)', { overridable: true }),
  PRICE_OUTSIDE_COLLAR: code(['price', 'reference', 'low', 'high'], 'limit price outside the collar around the reference mid', { overridable: true }),
  DUPLICATE_INTENT: code(['clientOrderId', 'duplicateOf', 'windowMs'], 'the same order was already accepted within the duplicate window'),
  INTENT_QUANTITY_EXCEEDS_MAXIMUM: code(['intent', 'cumulative', 'max'], 'the orders of one intent together exceed the maximum order quantity', { overridable: true }),
  CUMULATIVE_QUANTITY_EXCEEDS_MAXIMUM: code(['symbol', 'side', 'cumulative', 'max', 'windowMs'], 'orders on one side of a symbol within the window together exceed the maximum order quantity', { overridable: true }),
  CHILD_QUANTITY_EXCEEDS_PARENT: code(['intent', 'parentQuantity', 'cumulative'], 'child orders would exceed the quantity of their parent intent'),
  RATE_LIMIT_EXCEEDED: code(['action', 'window', 'count', 'limit'], 'message throttle reached for submits or replaces', { alerting: true }),
  OPEN_ORDERS_EXCEED_MAXIMUM: code(['open', 'max'], 'too many working orders', { overridable: true }),
  INSUFFICIENT_BUYING_POWER: code(['required', 'available'], 'buying power, after working orders, does not cover the order'),
  SELF_MATCH: code(['symbol', 'side', 'price', 'restingOrder', 'restingPrice'], 'the order would trade against our own resting order'),

  // Exposure, on positions plus working orders (worst case).
  POSITION_EXCEEDS_MAXIMUM: code(['symbol', 'projected', 'max'], 'projected position quantity above the maximum', { overridable: true }),
  SYMBOL_EXPOSURE_EXCEEDS_MAXIMUM: code(['symbol', 'projected', 'max'], 'projected notional in the symbol above the maximum', { overridable: true }),
  SECTOR_EXPOSURE_EXCEEDS_MAXIMUM: code(['sector', 'projected', 'max'], 'projected notional in the sector above the maximum', { overridable: true }),
  SECTOR_UNKNOWN: code(['symbol'], 'sector limits are configured but the symbol has no sector'),
  GROSS_EXPOSURE_EXCEEDS_MAXIMUM: code(['projected', 'max'], 'projected gross notional above the maximum', { overridable: true }),
  NET_EXPOSURE_EXCEEDS_MAXIMUM: code(['projected', 'max'], 'projected net notional above the maximum', { overridable: true }),
  POSITION_COUNT_EXCEEDS_MAXIMUM: code(['projected', 'max'], 'projected number of positions above the maximum', { overridable: true }),
  POSITION_SHARE_OF_EQUITY_EXCEEDS_MAXIMUM: code(['symbol', 'share', 'max'], 'projected position notional as a share of equity above the maximum', { overridable: true }),

  // Auto-mode rails.
  AUTO_MODE_OFF: code(['mode'], 'auto-mode is not on for this mode'),
  AUTO_MODE_DAILY_ORDER_LIMIT_REACHED: code(['count', 'max'], 'auto-approved orders today reached the maximum'),
  AUTO_MODE_NOTIONAL_EXCEEDS_MAXIMUM: code(['notional', 'max'], 'notional above the maximum per auto trade'),
  AUTO_MODE_STRATEGY_NOT_ALLOWED: code(['strategy'], 'the strategy is not allowed in auto-mode'),
  AUTO_MODE_SYMBOL_NOT_ALLOWED: code(['symbol'], 'the symbol is not allowed in auto-mode'),

  // Overrides.
  OVERRIDE_NOT_VALID: code(['override', 'problem'], 'the override named by the order cannot be used for it'),
} as const satisfies Record<string, ReasonCodeDefinition>;

export type DenialReasonCode = keyof typeof denialReasonCodes;

type KeysOf<Code extends DenialReasonCode> = (typeof denialReasonCodes)[Code]['keys'][number];

/** The context a code is rendered with: exactly its keys, values as text (decimals as decimal strings). */
export type DenialContext<Code extends DenialReasonCode> = { readonly [Key in KeysOf<Code>]: string };

/** Distributes over codes, so a list of reasons keeps each code paired with its own context keys. */
export type DenialReason<Code extends DenialReasonCode = DenialReasonCode> = Code extends DenialReasonCode
  ? { readonly code: Code; readonly context: DenialContext<Code> }
  : never;

export const denialReasonCodeList = Object.keys(denialReasonCodes) as DenialReasonCode[];

export function denial<Code extends DenialReasonCode>(reasonCode: Code, context: DenialContext<Code>): DenialReason<Code> {
  return { code: reasonCode, context } as DenialReason<Code>;
}

/** `QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000` — the keys in the order the code declares them. */
export function renderDenial(reason: DenialReason): string {
  const keys = denialReasonCodes[reason.code].keys as readonly string[];
  const context = reason.context as Record<string, string>;
  return `${reason.code}: ${keys.map((key) => `${key}=${context[key] ?? ''}`).join(', ')}`;
}

export function isOverridable(reasonCode: DenialReasonCode): boolean {
  return denialReasonCodes[reasonCode].overridable;
}

export function raisesAlert(reasonCode: DenialReasonCode): boolean {
  return denialReasonCodes[reasonCode].alerting;
}

export const denialReasonCodeSchema = z.enum(denialReasonCodeList as [DenialReasonCode, ...DenialReasonCode[]], {
  error: 'must be a denial reason code from reason-codes.ts',
});

/** A denial as it travels inside events (OrderDenied, OverrideUsed): code, context and its rendering. */
export const denialReasonSchema = z
  .strictObject({
    code: denialReasonCodeSchema,
    context: z.record(z.string(), z.string()),
    message: z.string(),
  })
  .superRefine((value, context) => {
    const keys = denialReasonCodes[value.code].keys as readonly string[];
    for (const key of keys) {
      if (!(key in value.context)) context.addIssue({ code: 'custom', path: ['context', key], message: `is required by ${value.code}` });
    }
  });

export type DenialReasonRecord = z.infer<typeof denialReasonSchema>;

export function denialRecord(reason: DenialReason): DenialReasonRecord {
  return { code: reason.code, context: { ...(reason.context as Record<string, string>) }, message: renderDenial(reason) };
}
