import { z } from 'zod';
import { defineEvent, type EventData, type EventDefinition } from '../event-registry';
import { decimalString, isoTimestamp, positiveDecimalString, symbol, uuid } from '../schema';

/**
 * Events of the broker sync subsystem and of reconciliation (issue 6).
 *
 * Streams: `sync-<accountId>` (sync runs, disconnects, adopted fills), `reconciliation-<accountId>`
 * (passed runs, adjustments, quarantined orders), `reconciliationbreak-<breakId>` (one break's life cycle)
 * and `readiness-<accountId>` (whether the account may trade as far as the broker's truth goes).
 * Ids of adopted fills, breaks, adjustments and quarantines are derived from the fact they stand for, so a
 * re-run writes the same ids and the store dedupes them.
 */

const accountId = z.string().min(1, 'must name the broker account');
const brokerName = z.string().min(1, 'must name the broker adapter');
/** A venue's own symbol may be outside our ticker rule (a foreign order can be for anything). */
const venueSymbol = z.string().min(1).max(32);

export const syncTrigger = z.enum(['startup', 'reconnect', 'periodic', 'on_demand']);
export type SyncTrigger = z.infer<typeof syncTrigger>;

export const syncQuery = z.enum(['open_orders', 'fills', 'positions', 'account', 'order_lookup']);
export type SyncQuery = z.infer<typeof syncQuery>;

export const reconciliationBreakClass = z.enum([
  'missing_fill',
  'unknown_order',
  'quantity_mismatch',
  'price_mismatch',
  'cash_mismatch',
]);
export type ReconciliationBreakClass = z.infer<typeof reconciliationBreakClass>;

/** What reconciliation does about a break: tell someone, take the broker's word for it, stop trading, or fence it off. */
export const reconciliationPolicy = z.enum(['alert', 'adopt', 'halt', 'quarantine']);
export type ReconciliationPolicy = z.infer<typeof reconciliationPolicy>;

/** The thing a break is about; `key` is stable across runs so one discrepancy keeps one break. */
export const reconciliationSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('position'), key: z.string().min(1) }),
  z.object({ kind: z.literal('order'), key: z.string().min(1) }),
  z.object({ kind: z.literal('fill'), key: z.string().min(1) }),
  z.object({ kind: z.literal('cash'), key: z.string().min(1) }),
]);
export type ReconciliationSubject = z.infer<typeof reconciliationSubject>;

export const breakResolution = z.enum(['adopted_broker_truth', 'cleared', 'manual']);
export type BreakResolution = z.infer<typeof breakResolution>;

export const SyncStarted = defineEvent(
  'SyncStarted',
  1,
  z.object({
    syncId: uuid,
    accountId,
    broker: brokerName,
    trigger: syncTrigger,
    fillCursor: z.string().nullable(),
    startedAt: isoTimestamp,
  }),
);

export const SyncCompleted = defineEvent(
  'SyncCompleted',
  1,
  z.object({
    syncId: uuid,
    accountId,
    broker: brokerName,
    trigger: syncTrigger,
    fillCursorBefore: z.string().nullable(),
    fillCursorAfter: z.string().nullable(),
    fillsFetched: z.number().int().nonnegative(),
    fillsAdopted: z.number().int().nonnegative(),
    foreignFills: z.number().int().nonnegative(),
    openOrders: z.number().int().nonnegative(),
    positions: z.number().int().nonnegative(),
    unknownSubmitsResolved: z.number().int().nonnegative(),
    completedAt: isoTimestamp,
  }),
);

/** A broker query stayed unanswered after every configured attempt: its answer is UNKNOWN, never zero. */
export const SyncFailed = defineEvent(
  'SyncFailed',
  1,
  z.object({
    syncId: uuid,
    accountId,
    broker: brokerName,
    trigger: syncTrigger,
    query: syncQuery,
    attempts: z.number().int().positive(),
    lastError: z.string(),
    failedAt: isoTimestamp,
  }),
);

/**
 * A fill the broker reports for one of our orders, taken into the ledger with the broker's own ids.
 * Every field comes from the fill itself (no run id, no local time) so adopting it twice writes the same event.
 */
export const BrokerFillAdopted = defineEvent(
  'BrokerFillAdopted',
  1,
  z.object({
    accountId,
    broker: brokerName,
    fillId: z.string().min(1),
    brokerOrderId: z.string().min(1),
    clientOrderId: z.string().min(1),
    symbol,
    side: z.enum(['buy', 'sell']),
    quantity: positiveDecimalString,
    price: positiveDecimalString,
    fee: decimalString,
    filledAt: isoTimestamp,
  }),
);

export const ReconciliationPassed = defineEvent(
  'ReconciliationPassed',
  1,
  z.object({
    reconciliationId: uuid,
    accountId,
    broker: brokerName,
    checkedAt: isoTimestamp,
    positionsCompared: z.number().int().nonnegative(),
    openOrdersCompared: z.number().int().nonnegative(),
    fillsCompared: z.number().int().nonnegative(),
  }),
);

export const ReconciliationBreakOpened = defineEvent(
  'ReconciliationBreakOpened',
  1,
  z.object({
    breakId: uuid,
    reconciliationId: uuid,
    accountId,
    broker: brokerName,
    class: reconciliationBreakClass,
    subject: reconciliationSubject,
    symbol: venueSymbol.nullable(),
    /** Which compared value differs, e.g. `quantity`, `averagePrice`, `remainingQuantity`, `existence`. */
    field: z.string().min(1),
    ours: z.string().nullable(),
    brokerValue: z.string().nullable(),
    policy: reconciliationPolicy,
    detectedAt: isoTimestamp,
  }),
);

export const ReconciliationBreakAcknowledged = defineEvent(
  'ReconciliationBreakAcknowledged',
  1,
  z.object({
    breakId: uuid,
    acknowledgedBy: z.string().min(1),
    note: z.string(),
    acknowledgedAt: isoTimestamp,
  }),
);

export const ReconciliationBreakResolved = defineEvent(
  'ReconciliationBreakResolved',
  1,
  z.object({
    breakId: uuid,
    resolution: breakResolution,
    reason: z.string().min(1),
    /** The adjustment or adoption event that carried the broker's truth, when that is how it was resolved. */
    adjustmentEventId: uuid.nullable(),
    resolvedBy: z.string().min(1),
    resolvedAt: isoTimestamp,
  }),
);

/** The broker's position taken as truth, explicitly, with the reason: never a silent overwrite. */
export const PositionAdjusted = defineEvent(
  'PositionAdjusted',
  1,
  z.object({
    adjustmentId: uuid,
    breakId: uuid,
    accountId,
    symbol,
    quantityBefore: decimalString,
    quantityAfter: decimalString,
    averagePriceBefore: decimalString,
    averagePriceAfter: decimalString,
    reason: z.string().min(1),
    adjustedAt: isoTimestamp,
  }),
);

/** The broker's cash taken as truth, explicitly, with the reason. */
export const CashAdjusted = defineEvent(
  'CashAdjusted',
  1,
  z.object({
    adjustmentId: uuid,
    breakId: uuid,
    accountId,
    currency: z.string().min(1),
    cashBefore: decimalString,
    cashAfter: decimalString,
    reason: z.string().min(1),
    adjustedAt: isoTimestamp,
  }),
);

/** An order at the broker that Tollgate never sent: reported and fenced off, never adopted. */
export const ForeignOrderQuarantined = defineEvent(
  'ForeignOrderQuarantined',
  1,
  z.object({
    quarantineId: uuid,
    breakId: uuid,
    accountId,
    broker: brokerName,
    brokerOrderId: z.string().min(1),
    clientOrderId: z.string(),
    symbol: venueSymbol,
    side: z.string().min(1),
    /** The venue's order type; a foreign order may use types Tollgate never sends (e.g. trailing_stop). */
    type: z.string().min(1),
    quantity: decimalString,
    filledQuantity: decimalString,
    limitPrice: decimalString.nullable(),
    status: z.string().min(1),
    detectedAt: isoTimestamp,
  }),
);

export const BrokerDisconnected = defineEvent(
  'BrokerDisconnected',
  1,
  z.object({ accountId, broker: brokerName, reason: z.string(), disconnectedAt: isoTimestamp }),
);

export const BrokerReconnected = defineEvent(
  'BrokerReconnected',
  1,
  z.object({ accountId, broker: brokerName, reconnectedAt: isoTimestamp }),
);

/**
 * Whether the broker's truth lets this account trade: recorded by the reconciliation service when the
 * answer changes, and as not ready at every start of it (stream `readiness-<accountId>`). Not ready
 * until the start-up sync and reconciliation have passed; again not ready after a disconnect, a failed
 * sync or a break whose policy halts. The risk side treats not ready as HALTED for the account.
 */
export const TradingReadinessChanged = defineEvent(
  'TradingReadinessChanged',
  1,
  z.object({
    accountId,
    broker: brokerName,
    ready: z.boolean(),
    /** Why not, one line each; empty when ready. */
    reasons: z.array(z.string().min(1)),
    at: isoTimestamp,
  }),
);

export type SyncStartedData = EventData<typeof SyncStarted>;
export type SyncCompletedData = EventData<typeof SyncCompleted>;
export type SyncFailedData = EventData<typeof SyncFailed>;
export type BrokerFillAdoptedData = EventData<typeof BrokerFillAdopted>;
export type ReconciliationPassedData = EventData<typeof ReconciliationPassed>;
export type ReconciliationBreakOpenedData = EventData<typeof ReconciliationBreakOpened>;
export type ReconciliationBreakAcknowledgedData = EventData<typeof ReconciliationBreakAcknowledged>;
export type ReconciliationBreakResolvedData = EventData<typeof ReconciliationBreakResolved>;
export type PositionAdjustedData = EventData<typeof PositionAdjusted>;
export type CashAdjustedData = EventData<typeof CashAdjusted>;
export type ForeignOrderQuarantinedData = EventData<typeof ForeignOrderQuarantined>;
export type BrokerDisconnectedData = EventData<typeof BrokerDisconnected>;
export type BrokerReconnectedData = EventData<typeof BrokerReconnected>;
export type TradingReadinessChangedData = EventData<typeof TradingReadinessChanged>;

export const syncEvents: EventDefinition[] = [
  SyncStarted,
  SyncCompleted,
  SyncFailed,
  BrokerFillAdopted,
  ReconciliationPassed,
  ReconciliationBreakOpened,
  ReconciliationBreakAcknowledged,
  ReconciliationBreakResolved,
  PositionAdjusted,
  CashAdjusted,
  ForeignOrderQuarantined,
  BrokerDisconnected,
  BrokerReconnected,
  TradingReadinessChanged,
];
