import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { RuntimeConfigInput } from '@tollgate/application';
import { commandSubjects, riskCheckRequest, type RecordedEvent, type RiskCheckResponse } from '@tollgate/contracts';
import { ledgerSnapshot, replayLedger } from '@tollgate/domain/ledger';
import type { EventStore } from '@tollgate/event-store';
import type { Bus } from '@tollgate/messaging';
import { BUS, EVENT_STORE } from '@tollgate/nest';
// Test code uses the shared test helpers (CONTRIBUTING-helpers.md); the platform tag rule targets runtime code.
 
import { waitFor } from '@tollgate/testing';
import type { OrderView, PlaceOrderResponse } from '../execution/execution.commands';
import { hostServices, type HostedSystem } from '../host';
import type { PositionsResponse } from '../ledger/ledger.commands';
import { LedgerHandlers } from '../ledger/ledger.handlers';

/**
 * The trading core in one process, as `tollgate run` hosts it: the embedded store (PGlite) and the
 * in-process bus, market data from the seeded synthetic market at high speed, the simulated exchange,
 * execution and the ledger. Orders go in over the bus as the gateway and the CLI send them.
 */
const CORE = ['market-data', 'simulated-exchange', 'execution', 'ledger'];
const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL, TOLLGATE_LOG_LEVEL: process.env.TOLLGATE_LOG_LEVEL };

beforeAll(() => {
  // One process, embedded everything, whatever the machine's environment says.
  delete process.env.NATS_URL;
  delete process.env.DATABASE_URL;
  process.env.TOLLGATE_LOG_LEVEL ??= 'error';
});

afterAll(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

interface Running {
  system: HostedSystem;
  app: INestMicroservice;
  bus: Bus;
  store: EventStore;
}

async function boot(config: RuntimeConfigInput = {}, names = CORE): Promise<Running> {
  const system = await hostServices({ names, config: { dataDir: 'memory://', speed: 3000, riskService: 'absent', seed: 7, ...config } });
  return { system, app: system.app, bus: system.app.get<Bus>(BUS, { strict: false }), store: system.app.get<EventStore>(EVENT_STORE, { strict: false }) };
}

let intentCounter = 0;
function manualOrder(fields: Record<string, unknown>): Record<string, unknown> {
  intentCounter += 1;
  return { intentId: `manual-test-${Date.now()}-${intentCounter}`, intentKind: 'manual', actor: 'user:tester', ...fields };
}

const positionOf = (positions: PositionsResponse, symbol: string) => positions.positions.find((position) => position.symbol === symbol);

async function eventsOfStream(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  return store.readStream(streamId);
}

describe('the trading core in one process', () => {
  let running: Running | undefined;

  afterEach(async () => {
    await running?.system.close();
    running = undefined;
  });

  it('fills a manual market order and the ledger holds the position the fills add up to', async () => {
    running = await boot();
    const { bus, store } = running;
    const placed = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'AAPL', side: 'buy', quantity: '10' }), { timeoutMs: 10_000 });
    expect(placed.dryRun).toBe(false);
    expect(['Accepted', 'PartiallyFilled', 'Filled']).toContain(placed.status);

    const order = await waitFor(
      async () => {
        const view = await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId });
        return view.status === 'Filled' ? view : undefined;
      },
      { timeoutMs: 20_000, what: 'the order to fill' },
    );
    const positions = await waitFor(
      async () => {
        const answer = await bus.request<PositionsResponse>(commandSubjects.ledger.positions, {});
        return positionOf(answer, 'AAPL')?.quantity === '10' ? answer : undefined;
      },
      { timeoutMs: 10_000, what: 'the ledger to hold the position' },
    );
    const position = positionOf(positions, 'AAPL')!;
    expect(position.fees).toBe(order.fees);
    expect(Number(position.averagePrice)).toBeCloseTo(Number(order.averageFillPrice), 8);

    // The intent and its client order id were stored before the order was sent.
    const types = (await eventsOfStream(store, `order-${placed.orderId}`)).map((event) => event.type);
    expect(types.slice(0, 2)).toEqual(['OrderInitialized', 'OrderSubmitted']);
    expect(types).toContain('OrderFilled');

    // Fill quality: measured against the mid when the order went out.
    const quality = await bus.request<{ arrivalMid?: string; slippageBps?: string; fills: unknown[] }>(commandSubjects.execution.fillQuality, { orderId: placed.orderId });
    expect(quality.arrivalMid).toMatch(/^\d+(\.\d+)?$/);
    expect(quality.slippageBps).toMatch(/^-?\d+(\.\d+)?$/);
    expect(quality.fills.length).toBeGreaterThan(0);
  }, 60_000);

  it('places the same intent once, however often it is sent', async () => {
    running = await boot();
    const { bus } = running;
    const request = manualOrder({ symbol: 'MSFT', side: 'buy', quantity: '3' });
    const first = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, request, { timeoutMs: 10_000 });
    const again = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, request, { timeoutMs: 10_000 });
    expect(again.orderId).toBe(first.orderId);
    expect(again.clientOrderId).toBe(first.clientOrderId);
    const orders = await bus.request<OrderView[]>(commandSubjects.execution.listOrders, { filter: 'all' });
    expect(orders.filter((order) => order.orderId === first.orderId)).toHaveLength(1);
  }, 60_000);

  it('in dry-run records OrderWouldBeSent and sends nothing to the exchange', async () => {
    running = await boot({ dryRun: true });
    const { bus, store } = running;
    const placed = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'SPY', side: 'buy', quantity: '5' }), { timeoutMs: 10_000 });
    expect(placed).toMatchObject({ status: 'WouldBeSent', dryRun: true });
    const orderEvents = await eventsOfStream(store, `order-${placed.orderId}`);
    expect(orderEvents.map((event) => event.type)).toEqual(['OrderInitialized', 'OrderWouldBeSent']);
    expect(orderEvents[1]!.data).toMatchObject({ request: { clientOrderId: placed.clientOrderId, symbol: 'SPY', side: 'buy', quantity: '5' } });
    const exchangeEvents = await eventsOfStream(store, 'simexchange-default');
    expect(exchangeEvents.map((event) => event.type)).toEqual(['SimulatedAccountOpened']);
    expect(await bus.request(commandSubjects.simulatedExchange.openOrders, {})).toEqual([]);
  }, 60_000);

  it('asks the risk service before sending, and a denial never reaches the exchange', async () => {
    running = await boot({ riskService: 'required' });
    const { bus, store } = running;
    const asked: unknown[] = [];
    await bus.reply(commandSubjects.risk.checkOrder, (request: unknown): RiskCheckResponse => {
      const parsed = riskCheckRequest.parse(request);
      asked.push(parsed);
      return parsed.order.quantity === '1000' ? { allowed: false, reasons: ['QUANTITY_EXCEEDS_MAXIMUM: quantity=1000, max=500'] } : { allowed: true };
    });
    const denied = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'QQQ', side: 'buy', quantity: '1000' }), { timeoutMs: 10_000 });
    expect(denied).toMatchObject({ status: 'Denied', reasons: ['QUANTITY_EXCEEDS_MAXIMUM: quantity=1000, max=500'] });
    const allowed = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'QQQ', side: 'buy', quantity: '2' }), { timeoutMs: 10_000 });
    expect(allowed.status).not.toBe('Denied');
    expect(asked).toHaveLength(2);
    expect(asked[0]).toMatchObject({ order: { origin: 'manual', strategy: null, clientOrderId: denied.clientOrderId }, context: { actor: 'user:tester', mode: 'SIMULATED' } });
    const submitted = (await eventsOfStream(store, 'simexchange-default')).filter((event) => event.type === 'SimulatedOrderAccepted');
    expect(submitted.map((event) => (event.data as { clientOrderId: string }).clientOrderId)).toEqual([allowed.clientOrderId]);
  }, 60_000);

  it('denies when the risk service is required and does not answer: a check that fails closes', async () => {
    running = await boot({ riskService: 'required' });
    const placed = await running.bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'AAPL', side: 'buy', quantity: '1' }), { timeoutMs: 10_000 });
    expect(placed.status).toBe('Denied');
    expect(placed.reasons?.[0]).toMatch(/^RISK_CHECK_FAILED: error=/);
  }, 60_000);

  it("records the venue's refusal as Rejected, with its reason", async () => {
    running = await boot();
    const placed = await running.bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'ZZZZ', side: 'buy', quantity: '1' }), { timeoutMs: 10_000 });
    expect(placed.status).toBe('Rejected');
    expect(placed.reasons?.[0]).toMatch(/ZZZZ is not traded here/);
  }, 60_000);

  it('pegs a limit order to the mid, chases it a bounded number of times, then crosses and fills', async () => {
    running = await boot();
    const { bus, store } = running;
    await waitFor(async () => (await bus.request<{ published: { quotes: number } }>(commandSubjects.marketData.status, {})).published.quotes > 8, { what: 'quotes to flow' });
    const placed = await bus.request<PlaceOrderResponse>(
      commandSubjects.execution.placeOrder,
      manualOrder({ symbol: 'SPY', side: 'buy', type: 'limit', quantity: '5', timeInForce: 'gtc', peg: { maxReprices: 2 } }),
      { timeoutMs: 10_000 },
    );
    expect(placed.status).toBe('Accepted');
    await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Filled', {
      timeoutMs: 30_000,
      what: 'the chased order to fill',
    });
    const types = (await eventsOfStream(store, `order-${placed.orderId}`)).map((event) => event.type);
    const count = (type: string) => types.filter((each) => each === type).length;
    // At most the two reprices and the cross; each one answered (a replace can lose the race with a fill).
    expect(count('OrderReplaceRequested')).toBeLessThanOrEqual(3);
    expect(count('OrderReplaced') + count('OrderReplaceRejected')).toBe(count('OrderReplaceRequested'));
    const quality = await bus.request<{ reprices?: number; arrivalMid?: string }>(commandSubjects.execution.fillQuality, { orderId: placed.orderId });
    expect(quality.reprices).toBe(count('OrderReplaceRequested'));
    expect(quality.arrivalMid).toBeDefined();
  }, 60_000);

  it('cancels a resting limit order at the venue', async () => {
    running = await boot();
    const { bus } = running;
    const placed = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder({ symbol: 'AAPL', side: 'buy', quantity: '4', type: 'limit', limitPrice: '1.00', timeInForce: 'gtc' }), {
      timeoutMs: 10_000,
    });
    expect(placed.status).toBe('Accepted');
    await bus.request(commandSubjects.execution.cancelOrder, { orderId: placed.orderId, reason: 'test', actor: 'user:tester' }, { timeoutMs: 10_000 });
    await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Canceled', {
      timeoutMs: 10_000,
      what: 'the cancel to be confirmed',
    });
    expect(await bus.request(commandSubjects.simulatedExchange.openOrders, {})).toEqual([]);
  }, 60_000);

  it('replaying the store from zero gives exactly the ledger the live projection holds', async () => {
    running = await boot();
    const { bus, store, app } = running;
    const trades = [
      { symbol: 'AAPL', side: 'buy', quantity: '30' },
      { symbol: 'AAPL', side: 'sell', quantity: '45' },
      { symbol: 'MSFT', side: 'sell_short', quantity: '7' },
      { symbol: 'AAPL', side: 'buy', quantity: '15' },
    ];
    for (const trade of trades) {
      const placed = await bus.request<PlaceOrderResponse>(commandSubjects.execution.placeOrder, manualOrder(trade), { timeoutMs: 10_000 });
      await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Filled', {
        timeoutMs: 20_000,
        what: `${trade.side} ${trade.quantity} ${trade.symbol} to fill`,
      });
    }
    const ledger = app.get(LedgerHandlers, { strict: false });
    const head = await store.headPosition();
    await waitFor(() => ledger.checkpoint >= head, { what: 'the ledger to reach the head of the log' });
    const replayed = replayLedger(await store.readAll(), { accountId: 'default', venue: 'simulated' });
    expect(ledgerSnapshot(replayed)).toEqual(ledgerSnapshot(ledger.fillLedger()));
    const aapl = ledgerSnapshot(replayed).positions.find((position) => position.symbol === 'AAPL')!;
    expect(aapl.lots.reduce((total, lot) => total + Number(lot.quantity), 0)).toBe(0);
  }, 90_000);

  it('a restarted exchange still holds its resting orders, and execution picks them up', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-restart-'));
    try {
      running = await boot({ dataDir });
      const placed = await running.bus.request<PlaceOrderResponse>(
        commandSubjects.execution.placeOrder,
        manualOrder({ symbol: 'SPY', side: 'sell', quantity: '2', type: 'limit', limitPrice: '9999.00', timeInForce: 'gtc' }),
        { timeoutMs: 10_000 },
      );
      expect(placed.status).toBe('Accepted');
      await running.system.close();
      running = undefined;

      running = await boot({ dataDir });
      const { bus } = running;
      const open = await bus.request<Array<{ clientOrderId: string }>>(commandSubjects.simulatedExchange.openOrders, {});
      expect(open.map((order) => order.clientOrderId)).toEqual([placed.clientOrderId]);
      await waitFor(async () => (await bus.request<{ ready: boolean }>(commandSubjects.execution.status, {})).ready, { timeoutMs: 10_000, what: 'execution to recover' });
      await bus.request(commandSubjects.execution.cancelOrder, { orderId: placed.orderId, actor: 'user:tester' }, { timeoutMs: 10_000 });
      await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Canceled', {
        timeoutMs: 10_000,
        what: 'the resting order to be canceled after the restart',
      });
    } finally {
      await running?.system.close();
      running = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
