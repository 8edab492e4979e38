import { handleCommand } from '@tollgate/application';
import { AlpacaBroker, SecretValue } from '@tollgate/brokers';
import type { BrokerOrder } from '@tollgate/contracts';
import { clientOrderIdFor, orderDecider, orderIdFor, orderStreamId, type OrderCommand } from '@tollgate/domain/order';
import { OurBooks, reconcile, type BookEvent, type BrokerView } from '@tollgate/domain/reconciliation';
import { defaultRetryPolicy, observed } from '@tollgate/domain/sync';
import { createEventStore } from '@tollgate/event-store';
import { startBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { ReconciliationRunner } from '@tollgate/services/reconciliation/reconciliation-runner';
import { createTestDatabase } from '@tollgate/testing';
import { percentile, timed, type BenchFigure, type BenchSuite } from './harness';

/**
 * Reconciliation figures (docs/reconciliation.md):
 *
 * 1. One reconciliation of 500 positions and 500 open orders, in process: our books' view (OurBooks, folded
 *    from 1,500 events) and `reconcile` against a broker snapshot that agrees, median of repeated runs. The
 *    baseline is the plain comparison of the same positions and orders by key, in the same run. Target ≤ 1 s.
 * 2. Restart to trading-ready with 1,000 fills to backfill: the service ran once (cursor and cash baseline
 *    recorded), then 1,000 fills of our orders happened "while Tollgate was down"; a fresh runner (the
 *    restarted service) on a real PostgreSQL store, against the broker sandbox through the Alpaca adapter over
 *    HTTP, catches up with the store, syncs (fills since the cursor, snapshot, lookups, adoption in one
 *    append), reconciles and answers ready. Baseline: the same restart with no fill to backfill, same run.
 */
const NOW = '2026-01-02T15:00:00.000Z';

function syntheticBooks(count: number): { books: OurBooks; broker: BrokerView } {
  const books = new OurBooks('BENCH');
  let position = 0;
  const add = (streamId: string, type: string, data: unknown, version: number) => {
    const event: BookEvent = { streamId, streamVersion: version, position: ++position, type, data, occurredAt: NOW };
    books.apply(event);
  };
  const brokerOrders: BrokerOrder[] = [];
  const brokerPositions: BrokerView['positions'] = [];
  for (let index = 0; index < count; index += 1) {
    const symbol = `S${String(index).padStart(3, '0')}`;
    const intentId = `bench-${index}`;
    const orderId = orderIdFor(intentId);
    const clientOrderId = clientOrderIdFor(intentId);
    add(orderStreamId(orderId), 'OrderInitialized', { orderId, intentId, intentKind: 'manual', attempt: 1, clientOrderId, symbol, side: 'buy', type: 'limit', quantity: '100', limitPrice: '10', timeInForce: 'gtc', initializedAt: NOW }, 1);
    add(orderStreamId(orderId), 'OrderSubmitted', { orderId, clientOrderId, submittedAt: NOW }, 2);
    add(orderStreamId(orderId), 'OrderAccepted', { orderId, clientOrderId, brokerOrderId: `B${index}`, acceptedAt: NOW, via: 'venue' }, 3);
    add('sync-BENCH', 'BrokerFillAdopted', { accountId: 'BENCH', broker: 'bench', fillId: `P${index}/1`, brokerOrderId: `P${index}`, clientOrderId: `seed-${index}`, symbol, side: 'buy', quantity: '50', price: '11', fee: '0', filledAt: NOW }, index + 1);
    brokerPositions.push({ symbol, quantity: '50', averagePrice: '11' });
    brokerOrders.push({
      brokerOrderId: `B${index}`,
      clientOrderId,
      symbol,
      side: 'buy',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '100',
      filledQuantity: '0',
      averageFillPrice: null,
      limitPrice: '10',
      stopPrice: null,
      status: 'new',
      submittedAt: NOW,
      updatedAt: NOW,
    });
  }
  const cash = books.ledgerView(books.snapshot(), new Set()).view.cash;
  return {
    books,
    broker: { positions: brokerPositions, openOrders: brokerOrders, fills: [], account: { accountId: 'BENCH', currency: 'USD', cash, equity: cash, buyingPower: cash }, lookedUpOrders: [] },
  };
}

async function reconcileFigure(quick: boolean): Promise<BenchFigure> {
  const { books, broker } = syntheticBooks(500);
  const repeats = quick ? 5 : 25;
  const full: number[] = [];
  const plain: number[] = [];
  for (let run = 0; run < repeats; run += 1) {
    const measured = await timed(async () => {
      const { view } = books.ledgerView(books.snapshot(), new Set());
      return reconcile({ reconciliationId: '00000000-0000-4000-8000-000000000001', accountId: 'BENCH', broker: 'bench', now: NOW, ours: view, brokerView: observed(broker), openBreaks: [] });
    });
    if (measured.result.status !== 'passed') throw new Error(`the benchmark's books should reconcile cleanly, got ${JSON.stringify(measured.result.report.breaks.slice(0, 3))}`);
    full.push(measured.seconds * 1000);
    const baseline = await timed(async () => {
      const ours = new Map(broker.positions.map((item) => [item.symbol, item.quantity]));
      const orders = new Map(broker.openOrders.map((item) => [item.clientOrderId, item.quantity]));
      let differences = 0;
      for (const item of broker.positions) if (ours.get(item.symbol) !== item.quantity) differences += 1;
      for (const item of broker.openOrders) if (orders.get(item.clientOrderId) !== item.quantity) differences += 1;
      return differences;
    });
    plain.push(baseline.seconds * 1000);
  }
  return {
    name: 'reconcile 500 positions + 500 open orders (books view + reconcile), median',
    value: percentile(full, 50),
    unit: 'ms',
    baseline: { name: 'plain key-by-key comparison', value: percentile(plain, 50) },
    higherIsBetter: false,
    target: { valueAtMost: 1000 },
  };
}

async function restartFigure(fills: number, progress: (message: string) => void): Promise<number> {
  const database = await createTestDatabase('bench_reconciliation');
  const store = await createEventStore({ databaseUrl: database.url });
  const sandbox = await startBrokerSandbox({ port: 0, tickMs: 0, seed: 3, initialCash: '10000000', rateLimit: { limit: 1_000_000, windowMs: 60_000 } });
  const port = new AlpacaBroker({
    credentials: { baseUrl: sandbox.baseUrl, keyId: sandbox.keyId, secret: new SecretValue(sandbox.secret), source: 'bench' },
    rateLimit: false,
    retry: false,
  });
  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${sandbox.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  };
  try {
    await admin('/admin/quotes', { symbol: 'MSFT', bid: '399.95', ask: '400.05' });
    // Our orders, as execution records them, resting at the sandbox; then one-share quotes fill them while "down".
    const orders = Math.max(1, Math.ceil(fills / 100));
    for (let index = 0; index < orders; index += 1) {
      const intentId = `bench-restart-${index}`;
      const orderId = orderIdFor(intentId);
      const clientOrderId = clientOrderIdFor(intentId);
      const apply = (command: OrderCommand, commandId: string) =>
        handleCommand({ store, streamId: orderStreamId(orderId), decider: orderDecider, command, commandId, metadata: { correlationId: intentId, actor: 'system:bench' }, occurredAt: new Date() });
      const now = { now: new Date() };
      await apply({ type: 'InitializeOrder', data: { orderId, intentId, intentKind: 'manual', symbol: 'MSFT', side: 'buy', type: 'limit', timeInForce: 'gtc', quantity: '100', limitPrice: '300' }, metadata: now }, 'init');
      await apply({ type: 'SubmitOrder', data: {}, metadata: now }, 'submit');
      const answer = await port.submit({ clientOrderId, symbol: 'MSFT', side: 'buy', type: 'limit', limitPrice: '300', quantity: '100', timeInForce: 'gtc' });
      await apply({ type: 'AcceptOrder', data: { brokerOrderId: answer.brokerOrderId, via: 'venue' }, metadata: now }, 'accept');
    }
    // The service's previous life: a start-up run that set the cursor and the cash baseline.
    const previous = new ReconciliationRunner(store, port, { accountId: 'bench', retry: defaultRetryPolicy });
    await previous.start();
    await previous.run({ trigger: 'startup' });
    await previous.stop();
    for (let index = 0; index < fills; index += 1) await admin('/admin/quotes', { symbol: 'MSFT', bid: '298.99', ask: '299.01', bid_size: '1', ask_size: '1' });
    progress(`${fills} fills waiting at the sandbox; restarting`);

    const { result: readiness, seconds } = await timed(async () => {
      const runner = new ReconciliationRunner(store, port, { accountId: 'bench', retry: defaultRetryPolicy });
      await runner.start();
      const answer = await runner.run({ trigger: 'startup' });
      await runner.stop();
      return { ...answer.readiness, adopted: answer.sync.fillsAdopted, runs: answer.runs };
    });
    if (!readiness.ready) throw new Error(`not ready after the restart: ${readiness.reasons.join('; ')}`);
    if (readiness.adopted !== fills) throw new Error(`the restart adopted ${readiness.adopted} fills, not ${fills}`);
    progress(`adopted ${readiness.adopted} fills in ${readiness.runs} run(s), ready`);
    return seconds;
  } finally {
    await port.close();
    await sandbox.close();
    await store.close();
    await database.drop();
  }
}

export const suite: BenchSuite = {
  name: 'reconciliation',
  async run({ quick, progress }) {
    const figures: BenchFigure[] = [await reconcileFigure(quick)];
    progress('restart with nothing to backfill (baseline)');
    const empty = await restartFigure(0, progress);
    progress('restart with 1,000 fills to backfill');
    const backfill = await restartFigure(1000, progress);
    figures.push({
      name: 'restart to trading-ready (sync + reconcile) with 1,000 fills to backfill, PostgreSQL + sandbox over HTTP',
      value: backfill,
      unit: 's',
      baseline: { name: 'the same restart with nothing to backfill', value: empty },
      higherIsBetter: false,
    });
    return figures;
  },
};
