import type { INestMicroservice } from '@nestjs/common';
import { handleCommand, loadRuntimeConfig, RUNTIME_CONFIG } from '@tollgate/application';
import { AlpacaBroker, SecretValue } from '@tollgate/brokers';
import type { RecordedEvent } from '@tollgate/contracts';
import { clientOrderIdFor, orderDecider, orderIdFor, orderStreamId, type OrderCommand } from '@tollgate/domain/order';
import { defaultRetryPolicy } from '@tollgate/domain/sync';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { startBrokerSandbox, type RunningBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { InProcessBus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { createTestDatabase, waitFor, type TestDatabase } from '@tollgate/testing';
import { reconciliationSubjects, type ReconcileResponse, type ReconciliationStatusView } from './reconciliation.commands';
import { ReconciliationModule } from './reconciliation.module';
import { ReconciliationRunner } from './reconciliation-runner';

/**
 * The sync + reconciliation service against the broker sandbox (through the Alpaca adapter) and a real
 * PostgreSQL store: what happened while Tollgate was down is adopted once, a foreign order is fenced off
 * and halts, a broker that does not answer is UNKNOWN and never a zero, a reconnect brings a new sync.
 */
const ACCOUNT = 'ACC1';
const NOW = new Date('2026-01-02T15:00:00.000Z');
let database: TestDatabase;
let store: EventStore;
let sandbox: RunningBrokerSandbox;
let port: AlpacaBroker;
const runners: ReconciliationRunner[] = [];

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

function newPort(): AlpacaBroker {
  return new AlpacaBroker({
    credentials: { baseUrl: sandbox.baseUrl, keyId: sandbox.keyId, secret: new SecretValue(sandbox.secret), source: 'test' },
    rateLimit: false,
    retry: false,
    reconnect: { initialMs: 50, maxMs: 200 },
  });
}

function runner(overrides: Partial<ConstructorParameters<typeof ReconciliationRunner>[2]> = {}): ReconciliationRunner {
  const created = new ReconciliationRunner(store, port, { accountId: ACCOUNT, retry: { ...defaultRetryPolicy, initialDelayMs: 5, maxDelayMs: 20 }, visibilityGraceMs: 0, ...overrides });
  runners.push(created);
  return created;
}

/** An order as execution records it: intent, submit, the broker's acknowledgement — then sent to the sandbox. */
async function ourOrder(intentId: string, terms: { symbol: string; quantity: string; limitPrice?: string }, options: { send?: boolean } = {}) {
  const orderId = orderIdFor(intentId);
  const clientOrderId = clientOrderIdFor(intentId);
  const apply = (command: OrderCommand, commandId: string) =>
    handleCommand({ store, streamId: orderStreamId(orderId), decider: orderDecider, command, commandId, metadata: { correlationId: intentId, actor: 'system:execution' }, occurredAt: NOW });
  await apply(
    {
      type: 'InitializeOrder',
      data: {
        orderId,
        intentId,
        intentKind: 'manual',
        symbol: terms.symbol,
        side: 'buy',
        type: terms.limitPrice ? 'limit' : 'market',
        timeInForce: terms.limitPrice ? 'gtc' : 'day',
        quantity: terms.quantity,
        ...(terms.limitPrice ? { limitPrice: terms.limitPrice } : {}),
      },
      metadata: { now: NOW },
    },
    'init',
  );
  await apply({ type: 'SubmitOrder', data: {}, metadata: { now: NOW } }, 'submit');
  if (options.send === false) return { orderId, clientOrderId };
  const answer = await port.submit({
    clientOrderId,
    symbol: terms.symbol,
    side: 'buy',
    type: terms.limitPrice ? 'limit' : 'market',
    quantity: terms.quantity,
    timeInForce: terms.limitPrice ? 'gtc' : 'day',
    ...(terms.limitPrice ? { limitPrice: terms.limitPrice } : {}),
  });
  await apply({ type: 'AcceptOrder', data: { brokerOrderId: answer.brokerOrderId, via: 'venue' }, metadata: { now: NOW } }, 'accept');
  return { orderId, clientOrderId, brokerOrderId: answer.brokerOrderId };
}

async function eventsOfType(type: string): Promise<RecordedEvent[]> {
  return (await store.readAll()).filter((event) => event.type === type);
}

beforeEach(async () => {
  database = await createTestDatabase('reconciliation');
  store = await createEventStore({ databaseUrl: database.url });
  sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 5, initialCash: '100000', rateLimit: { limit: 100_000, windowMs: 60_000 } });
  port = newPort();
  await admin('POST', '/admin/quotes', { symbol: 'AAPL', bid: '99.99', ask: '100.01' });
  await admin('POST', '/admin/quotes', { symbol: 'MSFT', bid: '399.95', ask: '400.05' });
});

afterEach(async () => {
  for (const item of runners.splice(0)) await item.stop();
  await port.close();
  await sandbox.close();
  await store.close();
  await database.drop();
});

describe('reconciliation runner', () => {
  it('adopts fills made while Tollgate was down, once, takes the opening cash explicitly, and passes', async () => {
    await ourOrder('intent-a', { symbol: 'AAPL', quantity: '10' });
    await ourOrder('intent-b', { symbol: 'MSFT', quantity: '3' });
    const resting = await ourOrder('intent-c', { symbol: 'AAPL', quantity: '4', limitPrice: '90' });

    const reconciliation = runner();
    await reconciliation.start();
    const first = await reconciliation.run({ trigger: 'startup' });
    expect(first).toMatchObject({ passed: true, status: 'passed', breaks: [], runs: 2, readiness: { ready: true, reasons: [] } });
    expect(first.sync).toMatchObject({ outcome: 'completed', fillsAdopted: 0 });

    const adopted = await eventsOfType('BrokerFillAdopted');
    expect(adopted.map((event) => (event.data as { clientOrderId: string }).clientOrderId).sort()).toEqual(
      [clientOrderIdFor('intent-a'), clientOrderIdFor('intent-b')].sort(),
    );
    // Our books knew the fills (their cost) but not the cash the account started with: the broker's figure is taken, explicitly.
    const cash = await eventsOfType('CashAdjusted');
    expect(cash).toHaveLength(1);
    const account = (await admin('GET', '/v2/account')) as { cash: string };
    expect(cash[0]!.data).toMatchObject({ cashBefore: '-2200.25', cashAfter: account.cash, reason: expect.stringContaining('opening balance') });
    expect(await eventsOfType('ReconciliationPassed')).toHaveLength(1);
    expect((await eventsOfType('TradingReadinessChanged')).map((event) => (event.data as { ready: boolean }).ready)).toEqual([true]);

    // A second run finds nothing new; a fresh process (new books, same store) neither re-adopts nor re-adjusts.
    await reconciliation.run({ trigger: 'periodic' });
    const restarted = runner();
    await restarted.start();
    const again = await restarted.run({ trigger: 'startup' });
    expect(again).toMatchObject({ passed: true, runs: 1 });
    expect(await eventsOfType('BrokerFillAdopted')).toHaveLength(2);
    expect(await eventsOfType('CashAdjusted')).toHaveLength(1);
    expect(await eventsOfType('ReconciliationPassed')).toHaveLength(3);

    // The resting order fills while "down": the next sync adopts it and the order is no longer open on either side.
    await admin('POST', '/admin/quotes', { symbol: 'AAPL', bid: '89.98', ask: '89.99' });
    const filled = await restarted.run({ trigger: 'reconnect' });
    expect(filled).toMatchObject({ passed: true, sync: { fillsAdopted: 1 } });
    expect((await eventsOfType('BrokerFillAdopted')).map((event) => (event.data as { brokerOrderId: string }).brokerOrderId)).toContain(resting.brokerOrderId);
  });

  it('quarantines an order placed outside Tollgate, halts on the position it causes, and adopts it only when told to', async () => {
    await ourOrder('intent-a', { symbol: 'AAPL', quantity: '5' });
    const reconciliation = runner();
    await reconciliation.start();
    expect((await reconciliation.run({ trigger: 'startup' })).passed).toBe(true);

    await admin('POST', '/admin/orders', { symbol: 'AAPL', qty: '2', side: 'buy', client_order_id: 'by-hand-1' });
    await admin('POST', '/admin/orders', { symbol: 'MSFT', qty: '1', side: 'buy', type: 'limit', limit_price: '300', time_in_force: 'gtc', client_order_id: 'by-hand-2' });
    const found = await reconciliation.run({ trigger: 'periodic' });
    expect(found.passed).toBe(false);
    expect(found.halt).toBe(true);
    // The foreign fill moved the broker's cash too: that difference is its own break (alert by default).
    expect(found.breaks).toEqual(
      expect.arrayContaining([
        { class: 'quantity_mismatch', symbol: 'AAPL', ours: '5', broker: '7', policy: 'halt' },
        { class: 'cash_mismatch', symbol: null, ours: '99499.95', broker: '99299.93', policy: 'alert' },
        expect.objectContaining({ class: 'unknown_order', symbol: 'MSFT', policy: 'quarantine' }),
        expect.objectContaining({ class: 'unknown_order', symbol: 'AAPL', policy: 'quarantine' }),
      ]),
    );
    expect(found.breaks).toHaveLength(4);
    expect(found.readiness).toEqual({ ready: false, reasons: ['a reconciliation break with policy halt is open'] });
    const quarantined = (await eventsOfType('ForeignOrderQuarantined')).map((event) => (event.data as { clientOrderId: string }).clientOrderId).sort();
    expect(quarantined).toEqual(['by-hand-1', 'by-hand-2']);
    expect((await eventsOfType('BrokerFillAdopted')).some((event) => (event.data as { clientOrderId: string }).clientOrderId === 'by-hand-1')).toBe(false);

    // The same difference keeps its one break (the filled foreign order is behind the fill cursor now: its break clears).
    const opened = (await eventsOfType('ReconciliationBreakOpened')).length;
    const still = await reconciliation.run({ trigger: 'periodic' });
    expect(still.openBreakIds.every((id) => found.openBreakIds.includes(id))).toBe(true);
    expect(await eventsOfType('ReconciliationBreakOpened')).toHaveLength(opened);

    // An operator takes the broker's position, with a reason: an explicit adjustment, and trading may resume.
    const adopted = await reconciliation.run({ trigger: 'on_demand', adopt: ['quantity_mismatch'], requestedBy: 'user:dana', reason: 'bought by hand at the broker' });
    const adjustment = (await eventsOfType('PositionAdjusted'))[0]!;
    expect(adjustment.data).toMatchObject({ symbol: 'AAPL', quantityBefore: '5', quantityAfter: '7', reason: expect.stringContaining('user:dana: bought by hand at the broker') });
    expect(adopted.halt).toBe(false);
    expect(adopted.readiness.ready).toBe(true);
    expect(adopted.breaks).toEqual([
      { class: 'cash_mismatch', symbol: null, ours: '99499.95', broker: '99299.93', policy: 'alert' },
      expect.objectContaining({ class: 'unknown_order', symbol: 'MSFT', policy: 'quarantine' }),
    ]);
  });

  it('records SyncFailed after the configured attempts when the broker does not answer, compares nothing and is not ready', async () => {
    const reconciliation = runner({ retry: { ...defaultRetryPolicy, maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 10 } });
    await reconciliation.start();
    await admin('POST', '/admin/faults', { path: '/v2/positions', action: 'status', status: 500, count: -1 });
    const answer = await reconciliation.run({ trigger: 'startup' });
    expect(answer).toMatchObject({ passed: false, status: 'unknown', halt: true, sync: { outcome: 'failed', failure: { query: 'positions', attempts: 3 } } });
    expect(answer.reason).toContain('broker state was unknown');
    expect(answer.readiness.ready).toBe(false);
    const failed = await eventsOfType('SyncFailed');
    expect(failed).toHaveLength(1);
    expect(await eventsOfType('ReconciliationBreakOpened')).toHaveLength(0);
    expect(await eventsOfType('CashAdjusted')).toHaveLength(0);
    expect(reconciliation.books.sync.state).toMatchObject({ consecutiveFailures: 1, totalFailures: 1 });

    await admin('DELETE', '/admin/faults');
    expect(await reconciliation.run({ trigger: 'periodic' })).toMatchObject({ passed: true, readiness: { ready: true } });
    expect(reconciliation.books.sync.state).toMatchObject({ consecutiveFailures: 0, totalFailures: 1 });
  });

  it('applies a cancel the broker made while Tollgate was away to the order, then passes', async () => {
    const resting = await ourOrder('intent-r', { symbol: 'MSFT', quantity: '2', limitPrice: '300' });
    const reconciliation = runner();
    await reconciliation.start();
    expect((await reconciliation.run({ trigger: 'startup' })).passed).toBe(true);
    await port.cancel(resting.clientOrderId);
    const after = await reconciliation.run({ trigger: 'periodic' });
    expect(after.sync.ordersClosedFromLookup).toBe(1);
    expect(after.passed).toBe(true);
    const orderEvents = await store.readStream(orderStreamId(resting.orderId));
    expect(orderEvents.at(-1)).toMatchObject({ type: 'OrderCanceled', data: { via: 'lookup' } });
  });
});

describe('reconciliation service', () => {
  let app: INestMicroservice | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('is not ready at start, syncs and reconciles by itself, answers reconcile and status, and syncs again after a reconnect', async () => {
    await ourOrder('intent-s', { symbol: 'AAPL', quantity: '3' });
    const bus = new InProcessBus();
    const config = loadRuntimeConfig({ mode: 'SANDBOX_PAPER', accountId: ACCOUNT, dataDir: 'memory://unused' });
    app = await createServiceApp({
      serviceName: 'reconciliation',
      bus,
      eventStore: store,
      imports: [ReconciliationModule.forRoot(config, { broker: () => newPort(), syncIntervalMs: 60_000, startupRetryMs: 100, retry: { ...defaultRetryPolicy, initialDelayMs: 5 } })],
      providers: [{ provide: RUNTIME_CONFIG, useValue: config }],
    });
    const readiness = () => eventsOfType('TradingReadinessChanged').then((events) => events.map((event) => (event.data as { ready: boolean }).ready));
    await waitFor(async () => (await readiness()).includes(true), { what: 'trading readiness', timeoutMs: 20_000 });
    expect((await readiness())[0]).toBe(false);

    const answer = await bus.request<ReconcileResponse>(reconciliationSubjects.reconcile, { actor: 'user:dana' }, { timeoutMs: 20_000 });
    expect(answer).toMatchObject({ passed: true, breaks: [], readiness: { ready: true } });
    const status = await bus.request<ReconciliationStatusView>(reconciliationSubjects.status, {});
    expect(status).toMatchObject({ accountId: ACCOUNT, readiness: { ready: true }, openBreaks: [], sync: { connection: 'connected', totalFailures: 0 } });
    await expect(bus.request(reconciliationSubjects.reconcile, { actor: 'dana' })).rejects.toThrow('actor');

    const syncsBefore = (await eventsOfType('SyncCompleted')).length;
    await admin('POST', '/admin/stream/disconnect', { refuse_ms: 200 });
    await waitFor(async () => (await eventsOfType('BrokerReconnected')).length > 0, { what: 'the reconnect', timeoutMs: 20_000 });
    await waitFor(async () => (await eventsOfType('SyncCompleted')).some((event) => (event.data as { trigger: string }).trigger === 'reconnect'), {
      what: 'the reconnect sync',
      timeoutMs: 20_000,
    });
    expect((await eventsOfType('BrokerDisconnected')).length).toBe(1);
    expect((await eventsOfType('SyncCompleted')).length).toBeGreaterThan(syncsBefore);
    await waitFor(async () => (await readiness()).at(-1) === true, { what: 'ready again after the reconnect', timeoutMs: 20_000 });
    const sequence = await readiness();
    expect(sequence.slice(0, 3)).toEqual([false, true, false]);
    expect(sequence.at(-1)).toBe(true);
    const down = (await eventsOfType('TradingReadinessChanged'))[2]!.data as { reasons: string[] };
    expect(down.reasons).toContain('the broker connection is down');
  });
});
