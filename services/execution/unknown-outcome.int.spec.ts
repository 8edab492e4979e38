import { commandSubjects, type OrderRequest, type RecordedEvent } from '@tollgate/contracts';
import type { EventStore } from '@tollgate/event-store';
import type { Bus } from '@tollgate/messaging';
import { BUS, EVENT_STORE } from '@tollgate/nest';
// Test code uses the shared test helpers (CONTRIBUTING-helpers.md); the platform tag rule targets runtime code.
 
import { waitFor } from '@tollgate/testing';
import { hostServices, type HostedSystem } from '../host';
import { simulatedBrokerUpdatesSubject } from '../simulated-exchange/simulated-exchange.commands';
import { SimulatedExchangeHandlers } from '../simulated-exchange/simulated-exchange.handlers';
import type { OrderView, PlaceOrderResponse } from './execution.commands';

/**
 * A submit whose answer never arrives is UNKNOWN: execution asks the exchange by client order id and
 * does what the answer says — it never sends blindly, so the exchange holds exactly one order.
 * Faults are injected between the exchange and the bus, in one process.
 */
const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };
beforeAll(() => {
  delete process.env.NATS_URL;
  delete process.env.DATABASE_URL;
  process.env.TOLLGATE_LOG_LEVEL ??= 'error';
});
afterAll(() => {
  for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
});

/** Longer than execution's broker time-out (2 s), so the caller gives up first. */
const LATE_MS = 2_600;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('a submit whose outcome is unknown', () => {
  let system: HostedSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  async function boot(): Promise<{ bus: Bus; store: EventStore; exchange: SimulatedExchangeHandlers }> {
    system = await hostServices({
      names: ['market-data', 'simulated-exchange', 'execution', 'ledger'],
      config: { dataDir: 'memory://', speed: 3000, riskService: 'absent' },
    });
    return {
      bus: system.app.get<Bus>(BUS, { strict: false }),
      store: system.app.get<EventStore>(EVENT_STORE, { strict: false }),
      exchange: system.app.get(SimulatedExchangeHandlers, { strict: false }),
    };
  }

  const acceptedAtExchange = (events: RecordedEvent[], clientOrderId: string) =>
    events.filter((event) => event.type === 'SimulatedOrderAccepted' && (event.data as { clientOrderId: string }).clientOrderId === clientOrderId);

  it('is resolved by a lookup when the exchange accepted it but its answer and update were lost', async () => {
    const { bus, store, exchange } = await boot();
    const submit = exchange.submit.bind(exchange);
    let submits = 0;
    exchange.submit = async (request: OrderRequest) => {
      submits += 1;
      const answer = await submit(request);
      await sleep(LATE_MS);
      return answer;
    };
    const publish = bus.publish.bind(bus);
    bus.publish = (subject: string, payload: unknown) => {
      if (subject !== simulatedBrokerUpdatesSubject) publish(subject, payload);
    };

    const placed = await bus.request<PlaceOrderResponse>(
      commandSubjects.execution.placeOrder,
      { intentId: 'manual-unknown-accepted', intentKind: 'manual', actor: 'user:tester', symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: '1.00', quantity: '3', timeInForce: 'gtc' },
      { timeoutMs: 15_000 },
    );
    expect(placed.status).toBe('Unknown');
    await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Accepted', {
      timeoutMs: 15_000,
      what: 'the lookup to find the order accepted',
    });
    const orderEvents = await store.readStream(`order-${placed.orderId}`);
    expect(orderEvents.map((event) => event.type)).toEqual(['OrderInitialized', 'OrderSubmitted', 'OrderSubmitOutcomeUnknown', 'OrderAccepted']);
    expect(orderEvents[3]!.data).toMatchObject({ via: 'lookup' });
    expect(submits).toBe(1);
    expect(acceptedAtExchange(await store.readStream('simexchange-default'), placed.clientOrderId)).toHaveLength(1);
  }, 60_000);

  it('is never Unknown once the exchange reported a fill: the fill is recorded without waiting for the reply', async () => {
    const { bus, store, exchange } = await boot();
    const submit = exchange.submit.bind(exchange);
    exchange.submit = async (request: OrderRequest) => {
      const answer = await submit(request);
      // The updates (acceptance, then the fill on a following quote) go out; the reply comes too late.
      await sleep(LATE_MS);
      return answer;
    };

    const placed = await bus.request<PlaceOrderResponse>(
      commandSubjects.execution.placeOrder,
      { intentId: 'manual-fill-before-reply', intentKind: 'manual', actor: 'user:tester', symbol: 'AAPL', side: 'buy', quantity: '1' },
      { timeoutMs: 15_000 },
    );
    expect(placed.status).toBe('Filled');
    const types = (await store.readStream(`order-${placed.orderId}`)).map((event) => event.type);
    expect(types).toEqual(['OrderInitialized', 'OrderSubmitted', 'OrderAccepted', 'OrderFilled']);
    expect(acceptedAtExchange(await store.readStream('simexchange-default'), placed.clientOrderId)).toHaveLength(1);
  }, 60_000);

  it('is sent again under the same client order id when the exchange answers that it never got it', async () => {
    const { bus, store, exchange } = await boot();
    const submit = exchange.submit.bind(exchange);
    let submits = 0;
    exchange.submit = async (request: OrderRequest) => {
      submits += 1;
      if (submits === 1) {
        // Lost on the way: the exchange never sees the first request.
        await sleep(LATE_MS);
        throw new Error('the request was lost');
      }
      return submit(request);
    };

    const placed = await bus.request<PlaceOrderResponse>(
      commandSubjects.execution.placeOrder,
      { intentId: 'manual-unknown-lost', intentKind: 'manual', actor: 'user:tester', symbol: 'MSFT', side: 'buy', quantity: '2' },
      { timeoutMs: 15_000 },
    );
    expect(placed.status).toBe('Unknown');
    await waitFor(async () => (await bus.request<OrderView>(commandSubjects.execution.getOrder, { orderId: placed.orderId })).status === 'Filled', {
      timeoutMs: 20_000,
      what: 'the order to be sent again and fill',
    });
    const types = (await store.readStream(`order-${placed.orderId}`)).map((event) => event.type);
    expect(types.slice(0, 6)).toEqual(['OrderInitialized', 'OrderSubmitted', 'OrderSubmitOutcomeUnknown', 'OrderSubmitNotReceived', 'OrderSubmitted', 'OrderAccepted']);
    expect(submits).toBe(2);
    expect(acceptedAtExchange(await store.readStream('simexchange-default'), placed.clientOrderId)).toHaveLength(1);
  }, 60_000);
});
