import type { OrderEventType } from '@tollgate/contracts';

export const orderStatuses = [
  'NotInitialized',
  'Initialized',
  'Denied',
  'WouldBeSent',
  'Submitted',
  'Unknown',
  'Rejected',
  'Accepted',
  'PartiallyFilled',
  'PendingCancel',
  'PendingReplace',
  'Filled',
  'Canceled',
  'Expired',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** Statuses no event leaves, except the late fills the table allows on Canceled and Expired. */
export const terminalStatuses: readonly OrderStatus[] = ['Denied', 'WouldBeSent', 'Rejected', 'Filled', 'Canceled', 'Expired'];

/**
 * Where an event takes an order:
 * - `status`: always that status;
 * - `untilComplete`: that status while quantity remains, `Filled` once the fills reach the quantity;
 * - `working`: back to working by what has filled — `Accepted` (none), `PartiallyFilled` or `Filled`.
 */
export type TransitionTarget =
  | { kind: 'status'; status: OrderStatus }
  | { kind: 'untilComplete'; status: OrderStatus }
  | { kind: 'working' };

export interface Transition {
  target: TransitionTarget;
  /** Why a surprising row exists. */
  note?: string;
}

const to = (status: OrderStatus, note?: string): Transition => ({ target: { kind: 'status', status }, ...(note ? { note } : {}) });
const fill = (status: OrderStatus, note?: string): Transition => ({ target: { kind: 'untilComplete', status }, ...(note ? { note } : {}) });
const working = (note?: string): Transition => ({ target: { kind: 'working' }, ...(note ? { note } : {}) });

/**
 * THE order state machine: status × event → status. `evolve` follows it and `decide` refuses any
 * command whose event has no row here. Missing rows are illegal transitions.
 */
export const orderTransitions: Readonly<Record<OrderStatus, Partial<Record<OrderEventType, Transition>>>> = {
  NotInitialized: {
    OrderInitialized: to('Initialized', 'the intent and its client order id are recorded before anything is sent'),
  },
  Initialized: {
    OrderDenied: to('Denied', 'our risk said no; the order never leaves the process'),
    OrderWouldBeSent: to('WouldBeSent', 'dry-run: the broker call is replaced by this event'),
    OrderSubmitted: to('Submitted'),
  },
  Submitted: {
    OrderAccepted: to('Accepted'),
    OrderRejected: to('Rejected', 'the venue said no'),
    OrderSubmitOutcomeUnknown: to('Unknown', 'time-out or lost connection: we do not know whether the venue has it'),
    OrderFilled: fill('PartiallyFilled', 'a fill can overtake the acknowledgement: the venue reports them on separate channels'),
    OrderCanceled: to('Canceled', 'e.g. an IOC order with nothing to match, reported before its acknowledgement'),
    OrderExpired: to('Expired'),
  },
  Unknown: {
    OrderSubmitNotReceived: to(
      'Initialized',
      'the broker answered a lookup by client order id with "no such order": safe to send again with the same client order id',
    ),
    OrderAccepted: to('Accepted', 'a lookup or a late acknowledgement found the order'),
    OrderRejected: to('Rejected'),
    OrderFilled: fill('PartiallyFilled', 'a fill proves the venue had the order'),
    OrderCanceled: to('Canceled'),
    OrderExpired: to('Expired'),
  },
  Accepted: {
    OrderFilled: fill('PartiallyFilled'),
    OrderCancelRequested: to('PendingCancel'),
    OrderReplaceRequested: to('PendingReplace'),
    OrderCanceled: to('Canceled', 'unsolicited: the venue canceled it (IOC remainder, broker action)'),
    OrderExpired: to('Expired'),
  },
  PartiallyFilled: {
    OrderFilled: fill('PartiallyFilled'),
    OrderCancelRequested: to('PendingCancel'),
    OrderReplaceRequested: to('PendingReplace'),
    OrderCanceled: to('Canceled', 'the filled part stays filled; only the remainder is canceled'),
    OrderExpired: to('Expired'),
  },
  PendingCancel: {
    OrderCanceled: to('Canceled'),
    OrderCancelRejected: working('the venue refused the cancel (usually: already filled); the order is still working'),
    OrderFilled: fill('PendingCancel', 'a fill can race the cancel; the last one completes the order'),
    OrderExpired: to('Expired'),
    OrderReplaced: to('PendingCancel', 'a replace sent before the cancel won the race; the cancel must be re-sent under the new client order id'),
    OrderReplaceRejected: to('PendingCancel'),
  },
  PendingReplace: {
    OrderReplaced: working(),
    OrderReplaceRejected: working('the old terms still stand'),
    OrderFilled: fill('PendingReplace', 'fills on the old terms while the replace is in flight'),
    OrderCancelRequested: to('PendingCancel', 'a cancel (kill switch, flatten) overrides a pending replace'),
    OrderCanceled: to('Canceled'),
    OrderExpired: to('Expired'),
  },
  Filled: {},
  Canceled: {
    OrderFilled: fill('Canceled', 'real-world possibility: the fill raced the cancel; the venue\'s fill is the truth'),
  },
  Expired: {
    OrderFilled: fill('Expired', 'real-world possibility: the fill raced the expiry'),
  },
  Denied: {},
  WouldBeSent: {},
  Rejected: {},
};

export function transitionFor(status: OrderStatus, eventType: OrderEventType): Transition | undefined {
  return orderTransitions[status][eventType];
}

/** The status a target resolves to, given how much has filled. */
export function resolveTarget(target: TransitionTarget, progress: 'none' | 'partial' | 'complete'): OrderStatus {
  switch (target.kind) {
    case 'status':
      return target.status;
    case 'untilComplete':
      return progress === 'complete' ? 'Filled' : target.status;
    case 'working':
      return progress === 'complete' ? 'Filled' : progress === 'partial' ? 'PartiallyFilled' : 'Accepted';
  }
}

function describeTarget(target: TransitionTarget): string {
  switch (target.kind) {
    case 'status':
      return target.status;
    case 'untilComplete':
      return target.status === 'PartiallyFilled' ? 'PartiallyFilled, or Filled when complete' : `${target.status}, or Filled when complete`;
    case 'working':
      return 'Accepted / PartiallyFilled / Filled by what has filled';
  }
}

/** The table as Markdown, for docs/order-lifecycle.md (a spec keeps the two equal). */
export function renderTransitionTable(): string {
  const lines = ['| From | Event | To | Why |', '| --- | --- | --- | --- |'];
  for (const status of orderStatuses) {
    for (const [eventType, transition] of Object.entries(orderTransitions[status])) {
      if (!transition) continue;
      lines.push(`| ${status} | ${eventType} | ${describeTarget(transition.target)} | ${transition.note ?? ''} |`);
    }
  }
  return lines.join('\n');
}
