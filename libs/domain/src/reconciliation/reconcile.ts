import type {
  BrokerFillAdoptedData,
  CashAdjustedData,
  ForeignOrderQuarantinedData,
  PositionAdjustedData,
  ReconciliationBreakClass,
  ReconciliationBreakOpenedData,
  ReconciliationPassedData,
  ReconciliationPolicy,
} from '@tollgate/contracts';
import { deterministicId } from '@tollgate/kernel';
import { brokerFillAdoptedEvent } from '../sync/adopt-fills';
import type { Observed, ProducedEvent } from '../sync/sync.types';
import { decideBreak } from './break.decide';
import { initialBreakState, type BreakEvent } from './break.state';
import { findDiscrepancies } from './compare';
import {
  defaultPolicies,
  defaultTolerances,
  discrepancyKey,
  type BrokerView,
  type Discrepancy,
  type LedgerView,
  type CarriedBreak,
  type ReconciliationPolicies,
  type ReconciliationReport,
  type ReconciliationTolerances,
} from './reconciliation.types';

export interface ReconcileCommand {
  reconciliationId: string;
  accountId: string;
  broker: string;
  now: string;
  ours: LedgerView;
  /** UNKNOWN when any broker query failed: then nothing is compared and the run fails closed. */
  brokerView: Observed<BrokerView>;
  /** Breaks still open (or acknowledged) from earlier runs. */
  openBreaks: readonly CarriedBreak[];
  policies?: ReconciliationPolicies;
  tolerances?: ReconciliationTolerances;
  /** Said in the reason of the adjustments of a class, e.g. why cash is adopted as an opening balance, or who asked. */
  adoptionNotes?: Partial<Record<ReconciliationBreakClass, string>>;
}

export type ReconciliationEvent =
  | BreakEvent
  | ProducedEvent<'ReconciliationPassed', ReconciliationPassedData>
  | ProducedEvent<'PositionAdjusted', PositionAdjustedData>
  | ProducedEvent<'CashAdjusted', CashAdjustedData>
  | ProducedEvent<'BrokerFillAdopted', BrokerFillAdoptedData>
  | ProducedEvent<'ForeignOrderQuarantined', ForeignOrderQuarantinedData>;

export interface ReconciliationOutcome {
  /** `unknown`: the broker could not be read, so nothing was compared (never treated as clean). */
  status: 'passed' | 'breaks' | 'unknown';
  events: ReconciliationEvent[];
  /** Breaks open after this run, carried ones included. */
  openBreaks: CarriedBreak[];
  /** True when an open break's policy halts trading, or when the broker could not be read. */
  halt: boolean;
  report: ReconciliationReport;
}

const RECONCILIATION_ACTOR = 'system:reconciliation';

/**
 * One reconciliation run for one account: compare, apply the policy per class, carry or clear the
 * breaks of earlier runs, and pass only when nothing differs. Pure: the same command always gives the
 * same events with the same ids.
 */
export function reconcile(command: ReconcileCommand): ReconciliationOutcome {
  const policies = command.policies ?? defaultPolicies;
  if (!command.brokerView.known) {
    return {
      status: 'unknown',
      events: [],
      openBreaks: [...command.openBreaks],
      halt: true,
      report: {
        passed: false,
        checkedAt: command.now,
        breaks: command.openBreaks.map((item) => ({ class: item.class, symbol: item.symbol, ours: item.ours, broker: item.broker, policy: item.policy })),
        reason: `broker state was unknown: ${command.brokerView.reason}`,
      },
    };
  }
  const brokerView = command.brokerView.value;
  const discrepancies = findDiscrepancies(command.ours, brokerView, command.tolerances ?? defaultTolerances);
  const carried = new Map(command.openBreaks.map((item) => [discrepancyKey(item), item]));
  const seen = new Set<string>();
  const events: ReconciliationEvent[] = [];
  const stillOpen: CarriedBreak[] = [];
  const reported: ReconciliationReport['breaks'] = [];

  for (const discrepancy of discrepancies) {
    const key = discrepancyKey(discrepancy);
    const existing = carried.get(key);
    if (existing) {
      seen.add(key);
      // A break opened under another policy is adopted now if the policy in force says adopt (e.g. an
      // operator asked for the broker's truth on this class): the same break, resolved by the adjustment.
      if (existing.policy !== 'quarantine' && policyFor(discrepancy, policies) === 'adopt') {
        reported.push(reportLine(discrepancy, 'adopt'));
        const adjustment = adoptionEvent(command, discrepancy, existing.breakId);
        events.push(adjustment);
        events.push(
          ...decideBreak(
            {
              type: 'ResolveBreak',
              breakId: existing.breakId,
              resolution: 'adopted_broker_truth',
              reason: `adopted the broker's ${discrepancy.field} by policy for ${discrepancy.class}`,
              adjustmentEventId: adjustment.id,
              by: RECONCILIATION_ACTOR,
              now: command.now,
            },
            { status: 'open', opened: carriedOpened(command, existing) },
          ),
        );
        continue;
      }
      stillOpen.push({ ...existing, ours: discrepancy.ours, broker: discrepancy.broker });
      reported.push(reportLine(discrepancy, existing.policy));
      continue;
    }
    const policy = policyFor(discrepancy, policies);
    reported.push(reportLine(discrepancy, policy));
    const breakId = deterministicId('reconciliation-break', command.accountId, key, command.reconciliationId);
    events.push(
      ...decideBreak(
        {
          type: 'OpenBreak',
          breakId,
          reconciliationId: command.reconciliationId,
          accountId: command.accountId,
          broker: command.broker,
          class: discrepancy.class,
          subject: discrepancy.subject,
          symbol: discrepancy.symbol,
          field: discrepancy.field,
          ours: discrepancy.ours,
          brokerValue: discrepancy.broker,
          policy,
          now: command.now,
        },
        initialBreakState,
      ),
    );
    const openBreak: CarriedBreak = {
      breakId,
      class: discrepancy.class,
      subject: discrepancy.subject,
      symbol: discrepancy.symbol,
      field: discrepancy.field,
      ours: discrepancy.ours,
      broker: discrepancy.broker,
      policy,
    };
    if (policy === 'adopt') {
      const adjustment = adoptionEvent(command, discrepancy, breakId);
      events.push(adjustment);
      events.push(
        ...decideBreak(
          {
            type: 'ResolveBreak',
            breakId,
            resolution: 'adopted_broker_truth',
            reason: `adopted the broker's ${discrepancy.field} by policy for ${discrepancy.class}`,
            adjustmentEventId: adjustment.id,
            by: RECONCILIATION_ACTOR,
            now: command.now,
          },
          { status: 'open', opened: openedData(events, breakId) },
        ),
      );
      continue;
    }
    if (policy === 'quarantine' && discrepancy.foreignOrder) {
      events.push(quarantineEvent(command, discrepancy, breakId));
    }
    stillOpen.push(openBreak);
  }

  for (const [key, item] of carried) {
    if (seen.has(key)) continue;
    events.push({
      id: deterministicId('ReconciliationBreakResolved', item.breakId),
      type: 'ReconciliationBreakResolved',
      occurredAt: command.now,
      data: {
        breakId: item.breakId,
        resolution: 'cleared',
        reason: `no longer observed in reconciliation ${command.reconciliationId}`,
        adjustmentEventId: null,
        resolvedBy: RECONCILIATION_ACTOR,
        resolvedAt: command.now,
      },
    });
  }

  const passed = discrepancies.length === 0;
  if (passed) {
    events.push({
      id: deterministicId('ReconciliationPassed', command.reconciliationId),
      type: 'ReconciliationPassed',
      occurredAt: command.now,
      data: {
        reconciliationId: command.reconciliationId,
        accountId: command.accountId,
        broker: command.broker,
        checkedAt: command.now,
        positionsCompared: new Set([...command.ours.positions.map((p) => p.symbol), ...brokerView.positions.map((p) => p.symbol)]).size,
        openOrdersCompared: new Set([...command.ours.openOrders.map((o) => o.clientOrderId), ...brokerView.openOrders.map((o) => o.clientOrderId)])
          .size,
        fillsCompared: brokerView.fills.length,
      },
    });
  }
  return {
    status: passed ? 'passed' : 'breaks',
    events,
    openBreaks: stillOpen,
    halt: stillOpen.some((item) => item.policy === 'halt'),
    report: { passed, checkedAt: command.now, breaks: reported },
  };
}

/**
 * The configured policy, except: a foreign order is always quarantined, and "adopt" on something
 * that has no broker truth to take (an order's state, a fill only we have) fails closed to halt.
 */
export function policyFor(discrepancy: Discrepancy, policies: ReconciliationPolicies): ReconciliationPolicy {
  if (discrepancy.foreignOrder) return 'quarantine';
  const configured = policies[discrepancy.class];
  if (configured === 'adopt' && discrepancy.adoption.kind === 'none') return 'halt';
  return configured;
}

function reportLine(discrepancy: Discrepancy, policy: ReconciliationPolicy): ReconciliationReport['breaks'][number] {
  return { class: discrepancy.class, symbol: discrepancy.symbol, ours: discrepancy.ours, broker: discrepancy.broker, policy };
}

/** What a carried break was opened with, as far as the run needs it to resolve the break. */
function carriedOpened(command: ReconcileCommand, item: CarriedBreak): ReconciliationBreakOpenedData {
  return {
    breakId: item.breakId,
    reconciliationId: command.reconciliationId,
    accountId: command.accountId,
    broker: command.broker,
    class: item.class,
    subject: item.subject,
    symbol: item.symbol,
    field: item.field,
    ours: item.ours,
    brokerValue: item.broker,
    policy: item.policy,
    detectedAt: command.now,
  };
}

function openedData(events: ReconciliationEvent[], breakId: string) {
  const opened = events.find((event) => event.type === 'ReconciliationBreakOpened' && event.data.breakId === breakId);
  if (!opened || opened.type !== 'ReconciliationBreakOpened') throw new Error(`break ${breakId} was not opened before adoption`);
  return opened.data;
}

function adoptionEvent(command: ReconcileCommand, discrepancy: Discrepancy, breakId: string): ReconciliationEvent {
  const adoption = discrepancy.adoption;
  const reason = `reconciliation ${command.reconciliationId} found ${discrepancy.class} on ${discrepancy.field}: ours ${discrepancy.ours ?? 'none'}, broker ${discrepancy.broker ?? 'none'}; broker truth adopted by policy${command.adoptionNotes?.[discrepancy.class] ? ` (${command.adoptionNotes[discrepancy.class]})` : ''}`;
  switch (adoption.kind) {
    case 'position': {
      const adjustmentId = deterministicId('PositionAdjusted', breakId);
      return {
        id: adjustmentId,
        type: 'PositionAdjusted',
        occurredAt: command.now,
        data: {
          adjustmentId,
          breakId,
          accountId: command.accountId,
          symbol: adoption.symbol,
          quantityBefore: adoption.quantityBefore,
          quantityAfter: adoption.quantityAfter,
          averagePriceBefore: adoption.averagePriceBefore,
          averagePriceAfter: adoption.averagePriceAfter,
          reason,
          adjustedAt: command.now,
        },
      };
    }
    case 'cash': {
      const adjustmentId = deterministicId('CashAdjusted', breakId);
      return {
        id: adjustmentId,
        type: 'CashAdjusted',
        occurredAt: command.now,
        data: {
          adjustmentId,
          breakId,
          accountId: command.accountId,
          currency: adoption.currency,
          cashBefore: adoption.cashBefore,
          cashAfter: adoption.cashAfter,
          reason,
          adjustedAt: command.now,
        },
      };
    }
    case 'fill':
      // The same id sync would give this fill: adopting it here and in a later sync writes one event.
      return brokerFillAdoptedEvent(command.accountId, command.broker, adoption.fill);
    case 'none':
      throw new Error(`discrepancy ${discrepancyKey(discrepancy)} has nothing to adopt: ${adoption.why}`);
  }
}

function quarantineEvent(command: ReconcileCommand, discrepancy: Discrepancy, breakId: string): ReconciliationEvent {
  const order = discrepancy.foreignOrder!;
  const quarantineId = deterministicId('ForeignOrderQuarantined', breakId);
  const seenOnlyInFills = discrepancy.foreignOrderSeenOnlyInFills === true;
  return {
    id: quarantineId,
    type: 'ForeignOrderQuarantined',
    occurredAt: command.now,
    data: {
      quarantineId,
      breakId,
      accountId: command.accountId,
      broker: command.broker,
      brokerOrderId: order.brokerOrderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      type: seenOnlyInFills ? 'unknown' : order.type,
      quantity: order.quantity,
      filledQuantity: order.filledQuantity,
      limitPrice: order.limitPrice,
      status: seenOnlyInFills ? 'seen only through fills' : order.status,
      detectedAt: command.now,
    },
  };
}

/**
 * The broker's side without the orders that are in flight on ours (events after the snapshot, or a
 * submit whose outcome is not settled): those are compared on a later run, when both sides hold still.
 */
export function withoutInFlight(view: BrokerView, inFlight: ReadonlySet<string>): BrokerView {
  if (inFlight.size === 0) return view;
  return {
    ...view,
    openOrders: view.openOrders.filter((order) => !inFlight.has(order.clientOrderId)),
    lookedUpOrders: view.lookedUpOrders.filter((order) => !inFlight.has(order.clientOrderId)),
  };
}

/** The CLI document: `{"passed","checkedAt","breaks":[{"class","symbol","ours","broker","policy"}]}`. */
export function toReconciliationReport(outcome: ReconciliationOutcome): ReconciliationReport {
  return outcome.report;
}
