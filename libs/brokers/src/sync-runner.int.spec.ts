import { createEventRegistry, type BrokerFill } from '@tollgate/contracts';
import { dec, decString, ZERO } from '@tollgate/kernel';
import { reconcile, type LedgerView } from '@tollgate/domain/reconciliation';
import { defaultRetryPolicy, initialSyncState, tradingReadiness, type SyncEvent } from '@tollgate/domain/sync';
import { startBrokerSandbox, type RunningBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { AlpacaBroker } from './alpaca/alpaca-broker';
import { SecretValue } from './credentials';
import { runBrokerSync } from './sync-runner';

/**
 * Sync and reconciliation against the broker sandbox, through the Alpaca adapter: what happened while
 * Tollgate was down is adopted once, what was placed outside Tollgate is fenced off, a failed query is
 * UNKNOWN.
 */
let sandbox: RunningBrokerSandbox;
let broker: AlpacaBroker;

async function admin(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

/** A ledger as the rest of Tollgate would project it from adopted fills (average cost, cash). */
function ledgerFrom(fills: BrokerFill[], ours: Set<string>, initialCash: string, openOrders: LedgerView['openOrders'] = []): LedgerView {
  const positions = new Map<string, { quantity: ReturnType<typeof dec>; cost: ReturnType<typeof dec> }>();
  let cash = dec(initialCash);
  for (const fill of fills) {
    const signed = fill.side === 'buy' ? dec(fill.quantity) : dec(fill.quantity).neg();
    const position = positions.get(fill.symbol) ?? { quantity: ZERO, cost: ZERO };
    position.quantity = position.quantity.plus(signed);
    position.cost = position.cost.plus(signed.mul(dec(fill.price)));
    positions.set(fill.symbol, position);
    cash = cash.minus(signed.mul(dec(fill.price)));
  }
  return {
    accountId: sandbox.accountId,
    currency: 'USD',
    cash: decString(cash),
    positions: [...positions].filter(([, item]) => !item.quantity.isZero()).map(([symbol, item]) => ({
      symbol,
      quantity: decString(item.quantity),
      averagePrice: decString(item.cost.div(item.quantity)),
    })),
    openOrders,
    isOurClientOrderId: (id) => ours.has(id),
    fillIds: new Set(fills.map((fill) => fill.fillId)),
  };
}

function adoptedFills(events: SyncEvent[]): BrokerFill[] {
  return events.flatMap((event) => (event.type === 'BrokerFillAdopted' ? [{ ...event.data }] : []));
}

beforeEach(async () => {
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 11, initialCash: '1000000', rateLimit: { limit: 100_000, windowMs: 60_000 } });
  broker = new AlpacaBroker({
    credentials: { baseUrl: sandbox.baseUrl, keyId: sandbox.keyId, secret: new SecretValue(sandbox.secret), source: 'test' },
    rateLimit: false,
    retry: false,
  });
  await admin('/admin/quotes', { symbol: 'AAPL', bid: '99.99', ask: '100.01' });
  await admin('/admin/quotes', { symbol: 'MSFT', bid: '399.95', ask: '400.05' });
});

afterEach(async () => {
  await broker.close();
  await sandbox.close();
});

describe('broker sync against the sandbox', () => {
  it('adopts the fills of our orders made while Tollgate was down, once, and quarantines an order placed outside', async () => {
    const ours = new Set<string>();
    for (const [symbol, quantity] of [['AAPL', '10'], ['MSFT', '3'], ['AAPL', '5']] as const) {
      const clientOrderId = `tg-${ours.size + 1}`;
      ours.add(clientOrderId);
      await broker.submit({ clientOrderId, symbol, side: 'buy', type: 'market', quantity, timeInForce: 'day' });
    }
    await admin('/admin/orders', { symbol: 'MSFT', qty: '1', side: 'buy', client_order_id: 'placed-by-hand' });
    await admin('/admin/orders', { symbol: 'AAPL', qty: '2', side: 'buy', type: 'limit', limit_price: '90', time_in_force: 'gtc', client_order_id: 'resting-by-hand' });

    const ledgerView = { isOurClientOrderId: (id: string) => ours.has(id), isRecorded: () => false, ourOpenClientOrderIds: [] };
    const first = await runBrokerSync({ port: broker, accountId: sandbox.accountId, syncId: '00000000-0000-4000-8000-000000000001', trigger: 'startup', state: initialSyncState, ledger: ledgerView, retry: defaultRetryPolicy });
    expect(first.outcome).toBe('completed');
    const adopted = adoptedFills(first.events);
    expect(adopted.map((fill) => [fill.clientOrderId, fill.quantity])).toEqual([['tg-1', '10'], ['tg-2', '3'], ['tg-3', '5']]);
    expect(first.foreignFills.map((fill) => fill.clientOrderId)).toEqual(['placed-by-hand']);
    const registry = createEventRegistry();
    for (const event of first.events) expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();

    // Nothing new: the cursor moved with the adoption, and a re-adoption would carry the same ids.
    const recorded = new Set(adopted.map((fill) => fill.fillId));
    const second = await runBrokerSync({ port: broker, accountId: sandbox.accountId, syncId: '00000000-0000-4000-8000-000000000002', trigger: 'periodic', state: first.state, ledger: { ...ledgerView, isRecorded: (id) => recorded.has(id) }, retry: defaultRetryPolicy });
    expect(adoptedFills(second.events)).toEqual([]);
    const replay = await runBrokerSync({ port: broker, accountId: sandbox.accountId, syncId: '00000000-0000-4000-8000-000000000003', trigger: 'reconnect', state: initialSyncState, ledger: ledgerView, retry: defaultRetryPolicy });
    expect(replay.events.filter((event) => event.type === 'BrokerFillAdopted').map((event) => event.id)).toEqual(
      first.events.filter((event) => event.type === 'BrokerFillAdopted').map((event) => event.id),
    );

    const outcome = reconcile({
      reconciliationId: '00000000-0000-4000-8000-0000000000a1',
      accountId: sandbox.accountId,
      broker: broker.name,
      now: new Date().toISOString(),
      ours: ledgerFrom(adopted, ours, '1000000'),
      brokerView: first.brokerView,
      openBreaks: [],
    });
    expect(outcome.status).toBe('breaks');
    expect(outcome.events.filter((event) => event.type === 'ForeignOrderQuarantined').map((event) => event.type === 'ForeignOrderQuarantined' && event.data.clientOrderId).sort()).toEqual([
      'placed-by-hand',
      'resting-by-hand',
    ]);
    expect(outcome.report.breaks).toContainEqual({ class: 'quantity_mismatch', symbol: 'MSFT', ours: '3', broker: '4', policy: 'halt' });
    expect(outcome.events.some((event) => event.type === 'BrokerFillAdopted')).toBe(false);
  });

  it('passes reconciliation when the ledger caught up, and trading becomes ready', async () => {
    const ours = new Set(['tg-1', 'tg-2']);
    await broker.submit({ clientOrderId: 'tg-1', symbol: 'AAPL', side: 'buy', type: 'market', quantity: '7', timeInForce: 'day' });
    await broker.submit({ clientOrderId: 'tg-2', symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: '95', quantity: '4', timeInForce: 'gtc' });
    const sync = await runBrokerSync({
      port: broker,
      accountId: sandbox.accountId,
      syncId: '00000000-0000-4000-8000-000000000004',
      trigger: 'startup',
      state: initialSyncState,
      ledger: { isOurClientOrderId: (id) => ours.has(id), isRecorded: () => false, ourOpenClientOrderIds: ['tg-2'] },
      retry: defaultRetryPolicy,
    });
    const ledger = ledgerFrom(adoptedFills(sync.events), ours, '1000000', [
      { clientOrderId: 'tg-2', brokerOrderId: null, symbol: 'AAPL', side: 'buy', remainingQuantity: '4', limitPrice: '95', stopPrice: null },
    ]);
    const outcome = reconcile({
      reconciliationId: '00000000-0000-4000-8000-0000000000a2',
      accountId: sandbox.accountId,
      broker: broker.name,
      now: new Date().toISOString(),
      ours: ledger,
      brokerView: sync.brokerView,
      openBreaks: [],
    });
    expect(outcome.report).toMatchObject({ passed: true, breaks: [] });
    expect(tradingReadiness(sync.state, { latest: { status: outcome.status, halt: outcome.halt, checkedAt: outcome.report.checkedAt }, passedSinceStartup: true })).toEqual({ ready: true, reasons: [] });
  });

  it('records SyncFailed after the configured attempts when the broker will not answer, and never reports zero', async () => {
    await admin('/admin/faults', { path: '/v2/positions', action: 'status', status: 500, count: -1 });
    const delays: number[] = [];
    const sync = await runBrokerSync({
      port: broker,
      accountId: sandbox.accountId,
      syncId: '00000000-0000-4000-8000-000000000005',
      trigger: 'periodic',
      state: initialSyncState,
      ledger: { isOurClientOrderId: () => true, isRecorded: () => false, ourOpenClientOrderIds: [] },
      retry: { ...defaultRetryPolicy, maxAttempts: 3 },
      sleep: async (milliseconds) => void delays.push(milliseconds),
      random: () => 0.5,
    });
    expect(sync.outcome).toBe('failed');
    expect(delays).toEqual([250, 500]);
    expect(sync.events.map((event) => event.type)).toEqual(['SyncStarted', 'SyncFailed']);
    expect(sync.events[1]?.type === 'SyncFailed' && sync.events[1].data).toMatchObject({ query: 'positions', attempts: 3 });
    expect(sync.brokerView.known).toBe(false);
    expect(sync.state.totalFailures).toBe(1);
    expect(tradingReadiness(sync.state, { latest: null, passedSinceStartup: false }).ready).toBe(false);
  });

  it('backfills 1,000 fills and reconciles them: time from restart to trading-ready', async () => {
    const ours = new Set<string>();
    for (let index = 0; index < 10; index += 1) {
      const clientOrderId = `tg-bulk-${index}`;
      ours.add(clientOrderId);
      await broker.submit({ clientOrderId, symbol: 'MSFT', side: 'buy', type: 'limit', limitPrice: '300', quantity: '100', timeInForce: 'gtc' });
    }
    // One share per quote: 1,000 quotes make 1,000 partial fills while "Tollgate is down".
    for (let index = 0; index < 1000; index += 1) await admin('/admin/quotes', { symbol: 'MSFT', bid: '298.99', ask: '299.01', bid_size: '1', ask_size: '1' });

    const started = process.hrtime.bigint();
    const sync = await runBrokerSync({
      port: broker,
      accountId: sandbox.accountId,
      syncId: '00000000-0000-4000-8000-000000000006',
      trigger: 'startup',
      state: initialSyncState,
      ledger: { isOurClientOrderId: (id) => ours.has(id), isRecorded: () => false, ourOpenClientOrderIds: [] },
      retry: defaultRetryPolicy,
    });
    const outcome = reconcile({
      reconciliationId: '00000000-0000-4000-8000-0000000000a3',
      accountId: sandbox.accountId,
      broker: broker.name,
      now: new Date().toISOString(),
      ours: ledgerFrom(adoptedFills(sync.events), ours, '1000000'),
      brokerView: sync.brokerView,
      openBreaks: [],
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    expect(adoptedFills(sync.events)).toHaveLength(1000);
    expect(outcome.status).toBe('passed');
    process.stdout.write(`restart to trading-ready (sync + reconcile) with 1,000 fills to backfill: ${seconds.toFixed(2)} s\n`);
  }, 60_000);
});
