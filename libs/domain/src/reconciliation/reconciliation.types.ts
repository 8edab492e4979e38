import type {
  BrokerAccount,
  BrokerFill,
  BrokerOrder,
  BrokerPosition,
  OrderSide,
  ReconciliationBreakClass,
  ReconciliationPolicy,
  ReconciliationSubject,
} from '@tollgate/contracts';
import type { DecimalString } from '@tollgate/kernel';

/** Our side of the comparison: what Tollgate's own projections say about one broker account. */
export interface LedgerView {
  accountId: string;
  currency: string;
  /** Cash as our ledger computes it. */
  cash: DecimalString;
  /** Non-flat positions; a symbol absent here is flat. */
  positions: ReadonlyArray<{ symbol: string; quantity: DecimalString; averagePrice: DecimalString }>;
  /** Orders we believe are working at the broker. */
  openOrders: ReadonlyArray<LedgerOpenOrder>;
  /**
   * Every client order id Tollgate ever sent for this account, open or closed. An order or fill at the
   * broker whose client order id is not here was placed outside Tollgate.
   */
  isOurClientOrderId: (clientOrderId: string) => boolean;
  /** Broker fill ids our ledger holds within the compared fill window. */
  fillIds: ReadonlySet<string>;
}

export interface LedgerOpenOrder {
  clientOrderId: string;
  brokerOrderId: string | null;
  symbol: string;
  side: OrderSide;
  remainingQuantity: DecimalString;
  limitPrice: DecimalString | null;
  stopPrice: DecimalString | null;
}

/** The broker's side, each part as observed: a part that could not be fetched is UNKNOWN. */
export interface BrokerView {
  positions: BrokerPosition[];
  openOrders: BrokerOrder[];
  /** Fills in the compared window (normally: fills since the cursor of the previous reconciliation). */
  fills: BrokerFill[];
  account: BrokerAccount;
  /** Orders looked up by client order id (ours missing from the open list, orders of foreign fills). */
  lookedUpOrders: BrokerOrder[];
}

export interface ReconciliationTolerances {
  /** An average price may differ by max(absolute, relative × broker price). */
  averagePriceAbsolute: DecimalString;
  averagePriceRelative: DecimalString;
  cashAbsolute: DecimalString;
}

export const defaultTolerances: ReconciliationTolerances = {
  averagePriceAbsolute: '0.0001',
  averagePriceRelative: '0.0001',
  cashAbsolute: '0.01',
};

/** What to do per class; foreign orders are always quarantined, whatever this says. */
export type ReconciliationPolicies = Record<ReconciliationBreakClass, Exclude<ReconciliationPolicy, 'quarantine'>>;

/**
 * Defaults: a missing fill of our own order is adopted (the broker's execution is the fact); a
 * quantity or order-existence difference halts (exposure is unknown); price and cash differences alert.
 */
export const defaultPolicies: ReconciliationPolicies = {
  missing_fill: 'adopt',
  unknown_order: 'halt',
  quantity_mismatch: 'halt',
  price_mismatch: 'alert',
  cash_mismatch: 'alert',
};

/** How the broker's truth would be taken, if policy says adopt. */
export type Adoption =
  | {
      kind: 'position';
      symbol: string;
      quantityBefore: DecimalString;
      quantityAfter: DecimalString;
      averagePriceBefore: DecimalString;
      averagePriceAfter: DecimalString;
    }
  | { kind: 'cash'; currency: string; cashBefore: DecimalString; cashAfter: DecimalString }
  | { kind: 'fill'; fill: BrokerFill }
  /** Nothing to adopt (an order's state belongs to the order aggregate; a fill only we have cannot be un-had). */
  | { kind: 'none'; why: string };

/** One difference between the two sides, before policy. */
export interface Discrepancy {
  class: ReconciliationBreakClass;
  subject: ReconciliationSubject;
  symbol: string | null;
  field: string;
  ours: string | null;
  broker: string | null;
  adoption: Adoption;
  /** Set when the broker's order was placed outside Tollgate. */
  foreignOrder?: BrokerOrder;
  /** The foreign order was not looked up: it is known only through its fills (type and status unknown). */
  foreignOrderSeenOnlyInFills?: true;
}

/** A break that is open (or acknowledged) from an earlier run. */
export interface CarriedBreak {
  breakId: string;
  class: ReconciliationBreakClass;
  subject: ReconciliationSubject;
  symbol: string | null;
  field: string;
  ours: string | null;
  broker: string | null;
  policy: ReconciliationPolicy;
}

/** The document `tollgate reconcile --json` prints. */
export interface ReconciliationReport {
  passed: boolean;
  checkedAt: string;
  breaks: Array<{ class: ReconciliationBreakClass; symbol: string | null; ours: string | null; broker: string | null; policy: ReconciliationPolicy }>;
  /** Only when the comparison could not be made at all (a broker query was UNKNOWN). */
  reason?: string;
}

/** Stable identity of a discrepancy across runs: one difference keeps one break. */
export function discrepancyKey(item: { class: string; subject: ReconciliationSubject; field: string }): string {
  return `${item.class}|${item.subject.kind}|${item.subject.key}|${item.field}`;
}
