import { z } from 'zod';
import { defineEvent, type EventData } from '../event-registry';
import { streamName } from '../envelope';
import { decimalString, isoTimestamp, positiveDecimalString, symbol, uuid } from '../schema';

/**
 * Proposals and exits: a strategy proposes an entry (`proposal-<proposalId>`), a person or
 * auto-mode decides, an approved proposal becomes an order intent; each open position has one
 * exit stream (`positionexit-<positionId>`) that allows exactly one live exit intent.
 * See docs/proposals-and-exits.md.
 */

/** Who acted: a person (`user:<name>`), auto-mode (`auto`), or a service (`system:<service>`). */
export const proposalActor = z
  .string({ error: 'must be user:<name>, auto or system:<service>' })
  .regex(/^(user:\S+|auto|system:[a-z0-9-]+)$/, 'must be user:<name>, auto or system:<service>');
/** Entries only: exits belong to the exit rules. */
export const entrySide = z.enum(['buy', 'sell_short']);
export const entryType = z.enum(['market', 'limit']);
const optionalReason = z.string().min(1, 'must not be empty when given').nullable();

export const ProposalCreated = defineEvent(
  'ProposalCreated',
  1,
  z.strictObject({
    proposalId: uuid,
    strategy: z.string().min(1, 'must name the strategy'),
    /** The strategy's code version (source hash) that made the proposal. */
    strategyVersion: z.string().min(1, 'must not be empty'),
    symbol,
    side: entrySide,
    quantity: positiveDecimalString,
    entryType,
    /** The limit price of a limit entry; for a market entry, the reference price sizing used. */
    entryPrice: positiveDecimalString,
    stopPrice: positiveDecimalString,
    targetPrice: positiveDecimalString.nullable(),
    /** The indicator values that fired, as decimal strings. */
    rationale: z.record(z.string().min(1), decimalString),
    createdAt: isoTimestamp,
    /** Unanswered by then, the proposal expires. */
    expiresAt: isoTimestamp,
    actor: proposalActor,
  }),
);

export const ProposalApproved = defineEvent(
  'ProposalApproved',
  1,
  z.strictObject({ proposalId: uuid, actor: proposalActor, reason: optionalReason, approvedAt: isoTimestamp }),
);

export const ProposalRejected = defineEvent(
  'ProposalRejected',
  1,
  z.strictObject({ proposalId: uuid, actor: proposalActor, reason: optionalReason, rejectedAt: isoTimestamp }),
);

export const ProposalExpired = defineEvent(
  'ProposalExpired',
  1,
  z.strictObject({ proposalId: uuid, actor: proposalActor, expiresAt: isoTimestamp, expiredAt: isoTimestamp }),
);

/**
 * The approved proposal became an order intent on the execution path. The execution path derives
 * the order id and the broker's client order id from `intentId` (`clientOrderIdFor(intentId)`), so
 * a retry or a replay of this event sends nothing twice.
 */
export const ProposalConverted = defineEvent(
  'ProposalConverted',
  1,
  z.strictObject({
    proposalId: uuid,
    intentId: uuid,
    intentKind: z.literal('proposal'),
    symbol,
    side: entrySide,
    quantity: positiveDecimalString,
    orderType: entryType,
    /** Present for a limit entry. */
    limitPrice: positiveDecimalString.nullable(),
    stopPrice: positiveDecimalString,
    targetPrice: positiveDecimalString.nullable(),
    actor: proposalActor,
    convertedAt: isoTimestamp,
  }),
);

// ---------------------------------------------------------------------------------------------
// Position exits
// ---------------------------------------------------------------------------------------------

export const exitRule = z.enum(['stop_loss', 'take_profit', 'trailing_stop', 'time_stop', 'end_of_day', 'structural_break']);
/** Safety mechanisms that force an exit, and a rule that had to cross a wide spread. */
export const emergencyExitCause = z.enum(['circuit_breaker', 'emergency_stop', 'kill_switch', 'wide_spread']);
export const exitOrderSide = z.enum(['sell', 'buy_to_cover']);
export const exitOrderType = z.enum(['market', 'limit']);

const exitOrder = {
  positionId: z.string().min(1, 'must name the position'),
  /** The execution path derives the exit order's ids from it. */
  exitIntentId: uuid,
  symbol,
  side: exitOrderSide,
  quantity: positiveDecimalString,
  orderType: exitOrderType,
  limitPrice: positiveDecimalString.nullable(),
  detail: z.string().min(1, 'must say why'),
  requestedAt: isoTimestamp,
  actor: proposalActor,
};

export const ExitRequested = defineEvent(
  'ExitRequested',
  1,
  z.strictObject({
    ...exitOrder,
    rule: exitRule,
    /** The bid, ask or time-derived price at which the rule fired. */
    triggerPrice: positiveDecimalString,
  }),
);

/**
 * An exit forced by a safety mechanism or made across a wide spread. Counted by the readiness
 * gate (those during market hours), so there is exactly one per exit intent.
 */
export const EmergencyExit = defineEvent(
  'EmergencyExit',
  1,
  z.strictObject({
    ...exitOrder,
    cause: emergencyExitCause,
    /** The rule that fired, when a rule's exit had to cross a wide spread. */
    rule: exitRule.nullable(),
    /** Quoted spread in basis points of the mid when the exit was decided, if a quote was known. */
    spreadBps: decimalString.nullable(),
    duringMarketHours: z.boolean(),
    /** The rule exit this one replaces (cancel-replace): still one live exit intent. */
    replacesExitIntentId: uuid.nullable(),
  }),
);

export const ExitCompleted = defineEvent(
  'ExitCompleted',
  1,
  z.strictObject({ positionId: z.string().min(1), exitIntentId: uuid, completedAt: isoTimestamp }),
);

/** The exit order ended without flattening the position (canceled, rejected, expired): a new exit may be requested. */
export const ExitAbandoned = defineEvent(
  'ExitAbandoned',
  1,
  z.strictObject({ positionId: z.string().min(1), exitIntentId: uuid, reason: z.string().min(1, 'must say why'), abandonedAt: isoTimestamp }),
);

export const positionExitEvents = [ExitRequested, EmergencyExit, ExitCompleted, ExitAbandoned];
const proposalLifecycleEvents = [ProposalCreated, ProposalApproved, ProposalRejected, ProposalExpired, ProposalConverted];
/** Registered through this file: the proposal life cycle and the position-exit aggregate. */
export const proposalEvents = [...proposalLifecycleEvents, ...positionExitEvents];

type EventOf<Definition> = Definition extends { type: infer Type } ? { type: Type; data: EventData<Definition> } : never;
/** One proposal event as a decider produces it: its type and its data. */
export type ProposalEvent = EventOf<(typeof proposalLifecycleEvents)[number]>;
export type ProposalEventOf<Type extends ProposalEvent['type']> = Extract<ProposalEvent, { type: Type }>;
export type PositionExitEvent = EventOf<(typeof positionExitEvents)[number]>;
export type PositionExitEventOf<Type extends PositionExitEvent['type']> = Extract<PositionExitEvent, { type: Type }>;
export type ProposalCreatedData = EventData<typeof ProposalCreated>;
export type ExitRule = z.infer<typeof exitRule>;
export type EmergencyExitCause = z.infer<typeof emergencyExitCause>;
export type EntrySideValue = z.infer<typeof entrySide>;

/** The category of proposal streams: `proposal-<proposalId>`. */
export const PROPOSAL_STREAM_CATEGORY = 'proposal';
export const proposalStreamId = (proposalId: string): string => streamName(PROPOSAL_STREAM_CATEGORY, proposalId);
/** The category of position-exit streams: `positionexit-<positionId>`. */
export const POSITION_EXIT_STREAM_CATEGORY = 'positionexit';
export const positionExitStreamId = (positionId: string): string => streamName(POSITION_EXIT_STREAM_CATEGORY, positionId);
