import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerPort, BrokerPosition, SyncQuery, SyncTrigger } from '@tollgate/contracts';
import {
  adoptFills,
  decideSync,
  evolveSync,
  nextRetry,
  observed,
  planOrderLookups,
  planSync,
  resolveUnknownSubmit,
  snapshotIsConsistent,
  unknown,
  type Observed,
  type RetryPolicy,
  type SyncEvent,
  type SyncState,
  type UnknownSubmit,
  type UnknownSubmitResolution,
} from '@tollgate/domain/sync';
import type { BrokerView } from '@tollgate/domain/reconciliation';

export interface LedgerSyncView {
  isOurClientOrderId(clientOrderId: string): boolean;
  /** Whether the ledger already holds this broker fill (from the stream or an earlier adoption). */
  isRecorded(fillId: string): boolean;
  /** Orders our projection believes are working. */
  ourOpenClientOrderIds: readonly string[];
}

export interface BrokerSyncInput {
  port: BrokerPort;
  accountId: string;
  syncId: string;
  trigger: SyncTrigger;
  /** The account's sync stream state (the fill cursor lives there). */
  state: SyncState;
  ledger: LedgerSyncView;
  unknownSubmits?: readonly UnknownSubmit[];
  retry: RetryPolicy;
  /** How long after a send a broker may still not show an order (for unknown submits). */
  visibilityGraceMs?: number;
  /** Snapshot rounds while fills keep arriving before the snapshot is declared unknown. */
  maxSnapshotRounds?: number;
  now?: () => Date;
  sleep?: (milliseconds: number) => Promise<void>;
  random?: () => number;
}

export interface BrokerSyncResult {
  outcome: 'completed' | 'failed';
  /** SyncStarted, then the adopted fills and SyncCompleted (one append), or SyncFailed. */
  events: SyncEvent[];
  state: SyncState;
  /** The broker's side for reconciliation; UNKNOWN when a query failed or the book would not hold still. */
  brokerView: Observed<BrokerView>;
  /** Orders of ours looked up because the broker no longer lists them as open: feed them to the order aggregate. */
  orderUpdates: BrokerOrder[];
  foreignFills: BrokerFill[];
  unknownSubmits: Array<{ clientOrderId: string; resolution: UnknownSubmitResolution }>;
}

class QueryFailed extends Error {
  constructor(readonly query: SyncQuery, readonly attempts: number, readonly lastError: string) {
    super(`${query} failed ${attempts} times: ${lastError}`);
  }
}

/**
 * One sync run against a broker, the same at start-up, on reconnect and periodically: fills since the
 * cursor first, then a snapshot (open orders, positions, cash) repeated while fills keep arriving,
 * then lookups of every order we think is working that the broker did not list. Each query is retried
 * by the pure policy; one that stays unanswered ends the run with SyncFailed — never with a zero.
 */
export async function runBrokerSync(input: BrokerSyncInput): Promise<BrokerSyncResult> {
  const now = input.now ?? (() => new Date());
  const sleep = input.sleep ?? ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  const random = input.random ?? Math.random;
  const base = { accountId: input.accountId, broker: input.port.name };
  const events: SyncEvent[] = [];
  let state = input.state;
  const record = (decided: SyncEvent[]) => {
    events.push(...decided);
    state = decided.reduce(evolveSync, state);
  };
  record(decideSync({ ...base, type: 'StartSync', syncId: input.syncId, trigger: input.trigger, now: now().toISOString() }, state));

  const ask = async <T>(query: SyncQuery, call: () => Promise<T>): Promise<T> => {
    for (let attempts = 1; ; attempts += 1) {
      try {
        return await call();
      } catch (error) {
        const decision = nextRetry(input.retry, attempts, random());
        const message = error instanceof Error ? error.message : String(error);
        if (!decision.retry) throw new QueryFailed(query, attempts, message);
        await sleep(decision.delayMs);
      }
    }
  };

  try {
    const plan = planSync({ trigger: input.trigger, fillCursor: state.fillCursor, unknownSubmits: (input.unknownSubmits ?? []).map((item) => item.clientOrderId) });
    const fills: BrokerFill[] = [];
    let cursor = state.fillCursor;
    const fetchFills = async () => {
      const page = await ask('fills', () => input.port.fillsSince(cursor));
      fills.push(...page.fills);
      cursor = page.cursor;
      return page.fills;
    };
    await fetchFills();

    let snapshot: { openOrders: BrokerOrder[]; positions: BrokerPosition[]; account: BrokerAccount } | null = null;
    let consistent = false;
    for (let round = 0; round < (input.maxSnapshotRounds ?? 3) && !consistent; round += 1) {
      snapshot = {
        openOrders: await ask('open_orders', () => input.port.openOrders()),
        positions: await ask('positions', () => input.port.positions()),
        account: await ask('account', () => input.port.account()),
      };
      consistent = snapshotIsConsistent(await fetchFills());
    }

    const lookedUp: BrokerOrder[] = [];
    const unknownSubmits: BrokerSyncResult['unknownSubmits'] = [];
    for (const submit of input.unknownSubmits ?? []) {
      const order = await ask('order_lookup', () => input.port.getOrder(submit.clientOrderId));
      if (order) lookedUp.push(order);
      unknownSubmits.push({
        clientOrderId: submit.clientOrderId,
        resolution: resolveUnknownSubmit({
          submit,
          lookup: observed(order),
          now: now().toISOString(),
          visibilityGraceMs: input.visibilityGraceMs ?? 5_000,
          retry: input.retry,
          sample: random(),
        }),
      });
    }

    const adoption = adoptFills({ ...base, fills, isOurClientOrderId: (id) => input.ledger.isOurClientOrderId(id), isRecorded: (id) => input.ledger.isRecorded(id) });
    const lookups = planOrderLookups({
      ourOpenClientOrderIds: input.ledger.ourOpenClientOrderIds,
      brokerOpenOrders: snapshot!.openOrders,
      foreignFills: adoption.foreign,
      alreadyLookedUp: new Set(plan.flatMap((item) => (item.query === 'order_lookup' ? [item.clientOrderId] : []))),
    });
    for (const lookup of lookups) {
      if (lookup.query !== 'order_lookup') continue;
      const order = await ask('order_lookup', () => input.port.getOrder(lookup.clientOrderId));
      if (order) lookedUp.push(order);
    }

    const adoptedIds = new Set(adoption.adopted.map((event) => event.data.fillId));
    record(
      decideSync(
        {
          ...base,
          type: 'CompleteSync',
          syncId: input.syncId,
          fillCursorAfter: cursor,
          fillsFetched: fills.length,
          fillsToAdopt: fills.filter((fill) => adoptedIds.has(fill.fillId)),
          foreignFills: adoption.foreign.length,
          openOrders: snapshot!.openOrders.length,
          positions: snapshot!.positions.length,
          unknownSubmitsResolved: unknownSubmits.filter((item) => item.resolution.outcome === 'accepted' || item.resolution.outcome === 'not_received').length,
          now: now().toISOString(),
        },
        state,
      ),
    );
    return {
      outcome: 'completed',
      events,
      state,
      brokerView: consistent
        ? observed({ ...snapshot!, fills, lookedUpOrders: lookedUp })
        : unknown(`fills kept arriving during ${input.maxSnapshotRounds ?? 3} snapshot rounds`),
      orderUpdates: lookedUp.filter((order) => input.ledger.isOurClientOrderId(order.clientOrderId)),
      foreignFills: adoption.foreign,
      unknownSubmits,
    };
  } catch (error) {
    // The caller is stopping (its sleep was aborted): that is no answer from the broker, so no SyncFailed.
    if (error instanceof Error && error.name === 'AbortError') throw error;
    const failure = error instanceof QueryFailed ? error : new QueryFailed('fills', 1, error instanceof Error ? error.message : String(error));
    record(
      decideSync(
        { ...base, type: 'FailSync', syncId: input.syncId, query: failure.query, attempts: failure.attempts, lastError: failure.lastError, now: now().toISOString() },
        state,
      ),
    );
    return { outcome: 'failed', events, state, brokerView: unknown(failure.message), orderUpdates: [], foreignFills: [], unknownSubmits: [] };
  }
}
