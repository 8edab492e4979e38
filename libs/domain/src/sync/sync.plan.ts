import type { BrokerFill, BrokerOrder, SyncTrigger } from '@tollgate/contracts';

/** One broker query of a sync run. */
export type PlannedQuery =
  | { query: 'fills'; cursor: string | null }
  | { query: 'open_orders' }
  | { query: 'positions' }
  | { query: 'account' }
  | { query: 'order_lookup'; clientOrderId: string; why: 'unknown_submit' | 'missing_from_open_orders' | 'foreign_fill' };

export interface SyncPlanInput {
  trigger: SyncTrigger;
  fillCursor: string | null;
  /** Client order ids whose submit outcome is unknown (time-out, crash after send). */
  unknownSubmits: readonly string[];
}

/**
 * The first phase of every sync (start-up, reconnect, periodic alike: the same questions each time).
 * Fills come first so the ledger catches up before the snapshot; the snapshot (open orders,
 * positions, cash) follows; the run then asks for fills again and repeats the snapshot while new
 * fills keep arriving (see `snapshotIsConsistent`), so positions are compared with a ledger that has
 * every fill they reflect.
 */
export function planSync(input: SyncPlanInput): PlannedQuery[] {
  const lookups = [...new Set(input.unknownSubmits)].map(
    (clientOrderId): PlannedQuery => ({ query: 'order_lookup', clientOrderId, why: 'unknown_submit' }),
  );
  return [{ query: 'fills', cursor: input.fillCursor }, { query: 'open_orders' }, { query: 'positions' }, { query: 'account' }, ...lookups];
}

export interface LookupPlanInput {
  /** Orders our projection believes are working. */
  ourOpenClientOrderIds: readonly string[];
  brokerOpenOrders: readonly BrokerOrder[];
  /** Fills of orders we did not send; their orders are looked up so they can be quarantined with detail. */
  foreignFills: readonly BrokerFill[];
  /** Client order ids already looked up in this run. */
  alreadyLookedUp: ReadonlySet<string>;
}

/**
 * The second phase: every order we think is working but the broker did not list is looked up by
 * client order id (it may have filled or been cancelled while we were away: never assume which).
 */
export function planOrderLookups(input: LookupPlanInput): PlannedQuery[] {
  const listed = new Set(input.brokerOpenOrders.map((order) => order.clientOrderId));
  const planned = new Set(input.alreadyLookedUp);
  const result: PlannedQuery[] = [];
  for (const clientOrderId of input.ourOpenClientOrderIds) {
    if (listed.has(clientOrderId) || planned.has(clientOrderId)) continue;
    planned.add(clientOrderId);
    result.push({ query: 'order_lookup', clientOrderId, why: 'missing_from_open_orders' });
  }
  for (const fill of input.foreignFills) {
    if (planned.has(fill.clientOrderId)) continue;
    planned.add(fill.clientOrderId);
    result.push({ query: 'order_lookup', clientOrderId: fill.clientOrderId, why: 'foreign_fill' });
  }
  return result;
}

/** A snapshot is consistent with the ledger when no fill arrived between the fills query and the snapshot's end. */
export function snapshotIsConsistent(fillsAfterSnapshot: readonly BrokerFill[]): boolean {
  return fillsAfterSnapshot.length === 0;
}
