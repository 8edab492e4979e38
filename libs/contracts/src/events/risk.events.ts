import { z } from 'zod';
import { isDecimalString } from '@tollgate/kernel';
import { defineEvent, type EventData, type EventDefinition } from '../event-registry';
import { denialReasonCodeSchema, denialReasonSchema } from '../reason-codes';
import { decimalString, isoTimestamp, positiveDecimalString, symbol, tradingMode } from '../schema';

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/** Where a kill switch, trading state or breaker applies: `all`, `account:ID`, `strategy:NAME`, `symbol:SYM`. */
export const riskScope = z
  .string({ error: 'must be a scope: all | account:ID | strategy:NAME | symbol:SYM' })
  .regex(/^(all|account:[A-Za-z0-9_.-]+|strategy:[A-Za-z0-9_.-]+|symbol:[A-Z][A-Z0-9.]{0,9})$/, 'must be a scope: all | account:ID | strategy:NAME | symbol:SYM');

/** Trading state is held per account and per strategy. */
export const tradingStateScope = z
  .string({ error: 'must be a scope: account:ID | strategy:NAME' })
  .regex(/^(account:[A-Za-z0-9_.-]+|strategy:[A-Za-z0-9_.-]+)$/, 'must be a scope: account:ID | strategy:NAME');

export const tradingStatus = z.enum(['ACTIVE', 'REDUCING', 'HALTED']);
export const breakerAction = z.enum(['REDUCING', 'HALTED']);
export const operatorRole = z.enum(['trader', 'risk', 'admin']);

// ---------------------------------------------------------------------------------------------
// The limits file. A bad file is refused whole; every issue names its key, e.g.
// `limits.symbols.AAPL.maxOrderQuantity: must be a positive decimal string`.
// ---------------------------------------------------------------------------------------------

const POSITIVE_DECIMAL = 'must be a positive decimal string';
const positiveLimit = z
  .string({ error: POSITIVE_DECIMAL })
  .refine((value) => isDecimalString(value) && !value.startsWith('-') && !/^0(\.0+)?$/.test(value), { message: POSITIVE_DECIMAL });

const FRACTION = 'must be a decimal string greater than 0 and at most 1, like "0.25"';
const fraction = z
  .string({ error: FRACTION })
  .regex(/^(0\.\d*[1-9]\d*|1(\.0+)?)$/, FRACTION);

const milliseconds = z.number({ error: 'must be a whole number of milliseconds' }).int('must be a whole number of milliseconds').positive('must be more than 0 milliseconds');
const windowOrOff = z.number({ error: 'must be a whole number of milliseconds (0 turns it off)' }).int('must be a whole number of milliseconds').nonnegative('must not be negative');
const positiveCount = z.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be at least 1');
const nonNegativeCount = z.number({ error: 'must be a whole number' }).int('must be a whole number').nonnegative('must not be negative');

export const priceCollarLimits = z.strictObject({
  /** Allowed distance from the reference mid, in percent ("5" = 5 %). */
  percent: positiveLimit,
  /** Minimum width of the collar in ticks; the collar is the wider of percent and ticks. */
  ticks: nonNegativeCount.optional(),
  /** A reference price older than this fails closed (STALE_MARKET_DATA). */
  maxReferenceAgeMs: milliseconds,
});

export const instrumentLimits = z.strictObject({
  maxOrderQuantity: positiveLimit,
  maxOrderNotional: positiveLimit,
  maxPositionQuantity: positiveLimit,
  maxSymbolNotional: positiveLimit,
  collar: priceCollarLimits,
});

export const instrumentLimitOverrides = instrumentLimits.partial();

const rate = z.strictObject({ perSecond: positiveCount, perMinute: positiveCount });

export const throttleLimits = z.strictObject({
  submits: rate,
  replaces: rate,
  maxOpenOrders: positiveCount,
  duplicateWindowMs: milliseconds.max(3_600_000, 'must be at most one hour (3600000)'),
  /** Orders on one side of a symbol within this window add up against maxOrderQuantity (slicing); 0 turns it off. */
  cumulativeWindowMs: windowOrOff.max(3_600_000, 'must be at most one hour (3600000)'),
  repeatedExecution: z.strictObject({ maxFills: positiveCount, windowMs: milliseconds }),
});

export const exposureLimits = z.strictObject({
  maxGrossNotional: positiveLimit,
  maxNetNotional: positiveLimit,
  maxPositions: positiveCount,
  maxPositionShareOfEquity: fraction,
  /** Sector name → max notional; symbols map to sectors in the top-level `sectors`. */
  sectors: z.record(z.string().min(1, 'must not be empty'), positiveLimit).default({}),
});

const breakerCommon = { action: breakerAction, coolDownMs: milliseconds.optional() };

export const breakerLimits = z.strictObject({
  dailyLoss: z.strictObject({ maxLoss: positiveLimit, ...breakerCommon }),
  drawdown: z.strictObject({ maxDrawdown: positiveLimit, ...breakerCommon }).optional(),
  consecutiveLosses: z.strictObject({ max: positiveCount, ...breakerCommon }).optional(),
  rejectRate: z.strictObject({ maxRate: fraction, minSample: positiveCount, ...breakerCommon }).optional(),
  brokerErrorRate: z.strictObject({ maxRate: fraction, minSample: positiveCount, ...breakerCommon }).optional(),
  marketDataStale: z.strictObject({ maxAgeMs: milliseconds, ...breakerCommon }).optional(),
  syncFailure: z.strictObject({ maxConsecutiveFailures: nonNegativeCount, ...breakerCommon }).optional(),
  reconciliationBreak: z.strictObject({ ...breakerCommon }).optional(),
  clockSkew: z.strictObject({ maxSkewMs: milliseconds, ...breakerCommon }).optional(),
});

export const autoModeLimits = z.strictObject({
  maxOrdersPerDay: positiveCount,
  maxNotionalPerTrade: positiveLimit,
  strategies: z.array(z.string().min(1)),
  symbols: z.array(symbol),
});

const everything = z.literal('*');
export const modePermissions = z.strictObject({
  strategies: z.union([everything, z.array(z.string().min(1))]),
  symbols: z.union([everything, z.array(symbol)]),
  /** The stage's envelope: at most this many distinct symbols held or working. */
  maxSymbols: positiveCount.optional(),
  manualOrders: z.boolean(),
});

export const accountLimits = z.strictObject({
  /** Modes this account may trade in; a mode not listed cannot trade (default deny). */
  modes: z.partialRecord(tradingMode, modePermissions),
  /** Account-specific instrument overrides, over the top-level ones. */
  symbols: z.record(symbol, instrumentLimitOverrides).default({}),
  restrictedSymbols: z.array(symbol).default([]),
  shortSale: z.strictObject({ permitted: z.boolean() }),
  exposure: exposureLimits,
  throttles: throttleLimits,
  breakers: breakerLimits,
  autoMode: autoModeLimits.optional(),
});

export const riskLimitsSchema = z
  .strictObject({
    schemaVersion: z.literal(1, { error: 'must be 1' }),
    /** Limits for any symbol without its own entry; absent means only listed symbols trade. */
    instrumentDefaults: instrumentLimits.optional(),
    symbols: z.record(symbol, instrumentLimitOverrides).default({}),
    /** Symbol → sector, for sector exposure limits. */
    sectors: z.record(symbol, z.string().min(1, 'must not be empty')).default({}),
    accounts: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be an account id'), accountLimits),
  })
  .superRefine((limits, context) => {
    // A symbol entry that cannot inherit the fields it leaves out would make a half-configured instrument.
    const required = Object.keys(instrumentLimits.shape) as Array<keyof z.infer<typeof instrumentLimits>>;
    const check = (path: Array<string | number>, overrides: Partial<z.infer<typeof instrumentLimits>>, inherited: Partial<z.infer<typeof instrumentLimits>>) => {
      for (const key of required) {
        if (overrides[key] === undefined && inherited[key] === undefined) {
          context.addIssue({ code: 'custom', path: [...path, key], message: 'is required: neither instrumentDefaults nor the top-level symbols entry sets it' });
        }
      }
    };
    const defaults = limits.instrumentDefaults ?? {};
    for (const [name, overrides] of Object.entries(limits.symbols)) check(['symbols', name], overrides, defaults);
    for (const [accountId, account] of Object.entries(limits.accounts)) {
      for (const [name, overrides] of Object.entries(account.symbols)) {
        check(['accounts', accountId, 'symbols', name], overrides, { ...defaults, ...(limits.symbols[name] ?? {}) });
      }
      for (const sector of Object.keys(account.exposure.sectors)) {
        if (!Object.values(limits.sectors).includes(sector)) {
          context.addIssue({ code: 'custom', path: ['accounts', accountId, 'exposure', 'sectors', sector], message: 'names a sector no symbol maps to in sectors' });
        }
      }
    }
  });

export type RiskLimits = z.infer<typeof riskLimitsSchema>;
export type AccountLimits = z.infer<typeof accountLimits>;
export type InstrumentLimits = z.infer<typeof instrumentLimits>;
export type BreakerLimits = z.infer<typeof breakerLimits>;
export type AutoModeLimits = z.infer<typeof autoModeLimits>;

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

const actor = z.string().min(1, 'must name who acted');
const reason = z.string().trim().min(1, 'must give a reason');
const orderSideForExit = z.enum(['sell', 'buy_to_cover']);

export const RiskLimitsChanged = defineEvent(
  'RiskLimitsChanged',
  1,
  z.strictObject({ actor, reason, effectiveAt: isoTimestamp, limits: riskLimitsSchema }),
);

export const TradingStateChanged = defineEvent(
  'TradingStateChanged',
  1,
  z.strictObject({
    scope: tradingStateScope,
    from: tradingStatus,
    to: tradingStatus,
    /** `operator`, `breaker:<name>`, … — what moved it. */
    cause: z.string().min(1),
    actor,
    reason,
    at: isoTimestamp,
  }),
);

export const breakerName = z.enum([
  'daily_loss',
  'drawdown',
  'consecutive_losses',
  'reject_rate',
  'broker_error_rate',
  'market_data_stale',
  'sync_failure',
  'reconciliation_break',
  'clock_skew',
  /** A breaker that could not be evaluated: fails safe, HALTED. */
  'evaluation_error',
]);

export const CircuitBreakerTripped = defineEvent(
  'CircuitBreakerTripped',
  1,
  z.strictObject({
    breaker: breakerName,
    scope: tradingStateScope,
    value: z.string(),
    bound: z.string(),
    action: breakerAction,
    detail: z.string(),
    /** The cool-down in force at the trip, if the operator chose one; null = only a person resets it. */
    coolDownMs: milliseconds.nullable(),
    at: isoTimestamp,
  }),
);

export const CircuitBreakerReset = defineEvent(
  'CircuitBreakerReset',
  1,
  z.strictObject({
    breaker: breakerName,
    scope: tradingStateScope,
    actor,
    role: operatorRole.nullable(),
    reason,
    via: z.enum(['person', 'cool_down']),
    at: isoTimestamp,
  }),
);

/** The equity high-water mark the drawdown breaker measures from; an event so it survives restarts. */
export const EquityHighWaterMarkRaised = defineEvent(
  'EquityHighWaterMarkRaised',
  1,
  z.strictObject({ scope: tradingStateScope, equity: decimalString, at: isoTimestamp }),
);

/** An intent for execution: cancel every working order in the scope (the listed ones and any it knows). */
export const WorkingOrdersCancelRequested = defineEvent(
  'WorkingOrdersCancelRequested',
  1,
  z.strictObject({ scope: riskScope, cause: z.string().min(1), clientOrderIds: z.array(z.string().min(1)), at: isoTimestamp }),
);

export const KillSwitchEngaged = defineEvent(
  'KillSwitchEngaged',
  1,
  z.strictObject({ scope: riskScope, actor, reason, ordersToCancel: z.array(z.string().min(1)), at: isoTimestamp }),
);

export const KillSwitchReleased = defineEvent(
  'KillSwitchReleased',
  1,
  z.strictObject({ scope: riskScope, actor, role: operatorRole, reason, at: isoTimestamp }),
);

export const emergencyExitOrder = z.strictObject({
  clientOrderId: z.string().min(1),
  accountId: z.string().min(1),
  strategy: z.string().min(1).nullable(),
  symbol,
  side: orderSideForExit,
  type: z.literal('limit'),
  quantity: positiveDecimalString,
  limitPrice: positiveDecimalString,
  timeInForce: z.literal('day'),
  tag: z.literal('EmergencyExit'),
  attempt: positiveCount,
});

const positionLeft = z.strictObject({
  accountId: z.string().min(1),
  strategy: z.string().min(1).nullable(),
  symbol,
  quantity: decimalString,
  reason: z.string(),
});

export const EmergencyStopStarted = defineEvent(
  'EmergencyStopStarted',
  1,
  z.strictObject({
    stopId: z.string().min(1),
    scope: riskScope,
    actor,
    reason,
    flattenOrders: z.array(emergencyExitOrder),
    /** Positions no collared order could be built for (no reference price, no tick size). */
    cannotFlatten: z.array(positionLeft),
    /** Exit orders per position before the stop gives up on it and says what is left. */
    maxAttempts: positiveCount,
    at: isoTimestamp,
  }),
);

export const EmergencyStopProgress = defineEvent(
  'EmergencyStopProgress',
  1,
  z.strictObject({
    stopId: z.string().min(1),
    remaining: z.array(positionLeft),
    /** New collared orders for positions whose earlier exit order ended without flattening them. */
    flattenOrders: z.array(emergencyExitOrder),
    at: isoTimestamp,
  }),
);

export const EmergencyStopCompleted = defineEvent(
  'EmergencyStopCompleted',
  1,
  z.strictObject({
    stopId: z.string().min(1),
    outcome: z.enum(['flat', 'incomplete']),
    remaining: z.array(positionLeft),
    at: isoTimestamp,
  }),
);

export const OverrideRequested = defineEvent(
  'OverrideRequested',
  1,
  z.strictObject({
    overrideId: z.string().min(1),
    /** The one order it covers. */
    clientOrderId: z.string().min(1),
    intentId: z.string().min(1),
    accountId: z.string().min(1),
    symbol,
    side: z.enum(['buy', 'sell', 'sell_short', 'buy_to_cover']),
    quantity: positiveDecimalString,
    controls: z.array(denialReasonCodeSchema).min(1, 'must name at least one control'),
    requestedBy: actor,
    reason,
    expiresAt: isoTimestamp,
    at: isoTimestamp,
  }),
);

export const OverrideApproved = defineEvent(
  'OverrideApproved',
  1,
  z.strictObject({ overrideId: z.string().min(1), approvedBy: actor, role: operatorRole, at: isoTimestamp }),
);

export const OverrideExpired = defineEvent('OverrideExpired', 1, z.strictObject({ overrideId: z.string().min(1), at: isoTimestamp }));

export const OverrideUsed = defineEvent(
  'OverrideUsed',
  1,
  z.strictObject({ overrideId: z.string().min(1), clientOrderId: z.string().min(1), waived: z.array(denialReasonSchema), at: isoTimestamp }),
);

export const AutoModeEnabled = defineEvent(
  'AutoModeEnabled',
  1,
  z.strictObject({ mode: tradingMode, accountId: z.string().min(1), actor, reason, limits: autoModeLimits, at: isoTimestamp }),
);

export const AutoModeDisabled = defineEvent(
  'AutoModeDisabled',
  1,
  z.strictObject({
    mode: tradingMode,
    accountId: z.string().min(1),
    cause: z.enum(['operator', 'circuit_breaker', 'kill_switch', 'reconciliation_break', 'sync_failure']),
    detail: z.string(),
    actor,
    at: isoTimestamp,
  }),
);

/** One auto-approved order counted against the day's maximum. */
export const AutoApprovalCounted = defineEvent(
  'AutoApprovalCounted',
  1,
  z.strictObject({ proposalId: z.string().min(1), tradingDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), notional: decimalString, at: isoTimestamp }),
);

export const StrategyDisabled = defineEvent(
  'StrategyDisabled',
  1,
  z.strictObject({
    strategy: z.string().min(1),
    /** `repeated_execution` (the throttle), or what a person or another control gave. */
    cause: z.string().min(1),
    /** The throttle's count, bound and window; null when disabled for another cause. */
    fills: nonNegativeCount.nullable(),
    maxFills: positiveCount.nullable(),
    windowMs: milliseconds.nullable(),
    actor,
    at: isoTimestamp,
  }),
);

export const StrategyEnabled = defineEvent(
  'StrategyEnabled',
  1,
  z.strictObject({ strategy: z.string().min(1), actor, role: operatorRole, reason, at: isoTimestamp }),
);

export const AlertRaised = defineEvent(
  'AlertRaised',
  1,
  z.strictObject({
    severity: z.enum(['info', 'warning', 'critical']),
    /** What raised it: `risk`, `circuit-breaker`, `kill-switch`, … */
    source: z.string().min(1),
    scope: z.string().min(1),
    code: z.string().min(1),
    message: z.string().min(1),
    /** Alerts with the same key are one incident to the alerting service. */
    dedupeKey: z.string().min(1),
    at: isoTimestamp,
  }),
);

const drillFigure = z.union([decimalString, z.number().int(), z.boolean()]);

export const DrillCompleted = defineEvent(
  'DrillCompleted',
  1,
  z.strictObject({
    drill: z.enum(['kill-switch', 'emergency-stop', 'breaker', 'throttle', 'override', 'crash-recovery']),
    passed: z.boolean(),
    checks: z.array(z.strictObject({ name: z.string().min(1), passed: z.boolean(), detail: z.string() })),
    /** Integers, booleans or decimal strings (latencies in ms as decimal strings): events hold no floats. */
    figures: z.record(z.string(), drillFigure),
  }),
);

export const riskEvents: EventDefinition[] = [
  RiskLimitsChanged,
  TradingStateChanged,
  CircuitBreakerTripped,
  CircuitBreakerReset,
  EquityHighWaterMarkRaised,
  WorkingOrdersCancelRequested,
  KillSwitchEngaged,
  KillSwitchReleased,
  EmergencyStopStarted,
  EmergencyStopProgress,
  EmergencyStopCompleted,
  OverrideRequested,
  OverrideApproved,
  OverrideExpired,
  OverrideUsed,
  AutoModeEnabled,
  AutoModeDisabled,
  AutoApprovalCounted,
  StrategyDisabled,
  StrategyEnabled,
  AlertRaised,
  DrillCompleted,
];

/** An event as a decider returns it: type and data; the service adds id, metadata and times. */
export interface RiskEventOf<Definition extends EventDefinition> {
  type: Definition['type'];
  data: EventData<Definition>;
}

export type RiskLimitsChangedData = EventData<typeof RiskLimitsChanged>;
export type TradingStateChangedData = EventData<typeof TradingStateChanged>;
export type CircuitBreakerTrippedData = EventData<typeof CircuitBreakerTripped>;
export type CircuitBreakerResetData = EventData<typeof CircuitBreakerReset>;
export type EquityHighWaterMarkRaisedData = EventData<typeof EquityHighWaterMarkRaised>;
export type WorkingOrdersCancelRequestedData = EventData<typeof WorkingOrdersCancelRequested>;
export type KillSwitchEngagedData = EventData<typeof KillSwitchEngaged>;
export type KillSwitchReleasedData = EventData<typeof KillSwitchReleased>;
export type EmergencyExitOrder = z.infer<typeof emergencyExitOrder>;
export type EmergencyStopStartedData = EventData<typeof EmergencyStopStarted>;
export type EmergencyStopProgressData = EventData<typeof EmergencyStopProgress>;
export type EmergencyStopCompletedData = EventData<typeof EmergencyStopCompleted>;
export type OverrideRequestedData = EventData<typeof OverrideRequested>;
export type OverrideApprovedData = EventData<typeof OverrideApproved>;
export type OverrideExpiredData = EventData<typeof OverrideExpired>;
export type OverrideUsedData = EventData<typeof OverrideUsed>;
export type AutoModeEnabledData = EventData<typeof AutoModeEnabled>;
export type AutoModeDisabledData = EventData<typeof AutoModeDisabled>;
export type AutoApprovalCountedData = EventData<typeof AutoApprovalCounted>;
export type StrategyDisabledData = EventData<typeof StrategyDisabled>;
export type StrategyEnabledData = EventData<typeof StrategyEnabled>;
export type AlertRaisedData = EventData<typeof AlertRaised>;
export type DrillCompletedData = EventData<typeof DrillCompleted>;
export type RiskScope = z.infer<typeof riskScope>;
export type TradingStateScope = z.infer<typeof tradingStateScope>;
export type TradingStatus = z.infer<typeof tradingStatus>;
export type BreakerAction = z.infer<typeof breakerAction>;
export type BreakerName = z.infer<typeof breakerName>;
export type OperatorRole = z.infer<typeof operatorRole>;
