import type { EventInput, OrderEvent } from '@tollgate/contracts';
import { clientOrderIdFor, initialOrderState, orderDecider, orderIdFor, orderStreamId, type OrderCommand, type OrderState } from '@tollgate/domain/order';
import { createEventStore, type EventStore, type ExpectedVersion } from '@tollgate/event-store';
import { handleCommand, handleCommands, type CommandStep } from './command-handler';

/** handleCommand / handleCommands on the embedded store (PGlite in memory), with the order aggregate. */
describe('the command handler', () => {
  let store: EventStore;
  let appends: number;
  beforeAll(async () => {
    const real = await createEventStore({ dataDir: 'memory://' });
    appends = 0;
    store = Object.assign(Object.create(real) as EventStore, {
      append: (streamId: string, expected: ExpectedVersion, events: readonly EventInput[]) => {
        appends += 1;
        return real.append(streamId, expected, events);
      },
    });
  });
  afterAll(() => store.close());

  const now = new Date('2024-07-02T14:00:00.000Z');
  const metadata = { correlationId: 'test', actor: 'system:test' };
  const step = (command: OrderCommand, commandId: string): CommandStep<OrderCommand> => ({ command, commandId, occurredAt: now });

  async function submittedOrder(intentId: string): Promise<{ orderId: string; streamId: string; state: OrderState; version: number }> {
    const orderId = orderIdFor(intentId);
    const streamId = orderStreamId(orderId);
    const initialize: OrderCommand = {
      type: 'InitializeOrder',
      data: { orderId, intentId, intentKind: 'manual', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'day', quantity: '10' },
      metadata: { now },
    };
    await handleCommand({ store, streamId, decider: orderDecider, command: initialize, commandId: 'initialize', metadata, occurredAt: now });
    const submitted = await handleCommand({ store, streamId, decider: orderDecider, command: { type: 'SubmitOrder', data: {}, metadata: { now } }, commandId: 'submit', metadata, occurredAt: now });
    return { orderId, streamId, state: submitted.state, version: submitted.version };
  }

  const fill = (fillId: string, quantity: string): OrderCommand => ({ type: 'FillOrder', data: { fillId, quantity, price: '100', fee: '0.5', filledAt: now.toISOString() }, metadata: { now } });

  it('decides a batch in order and appends it in one append', async () => {
    const order = await submittedOrder('batch-1');
    const before = appends;
    const handled = await handleCommands({
      store,
      streamId: order.streamId,
      decider: orderDecider,
      metadata,
      known: { state: order.state, version: order.version },
      steps: [step({ type: 'AcceptOrder', data: { brokerOrderId: 'b-1' }, metadata: { now } }, 'accept:b-1'), step(fill('f-1', '4'), 'fill:f-1'), step(fill('f-2', '6'), 'fill:f-2')],
    });
    expect(appends - before).toBe(1);
    expect(handled.state.status).toBe('Filled');
    expect((await store.readStream(order.streamId)).map((event) => event.type)).toEqual(['OrderInitialized', 'OrderSubmitted', 'OrderAccepted', 'OrderFilled', 'OrderFilled']);
  });

  it('skips and reports a step the aggregate refuses, and applies the others', async () => {
    const order = await submittedOrder('batch-2');
    const handled = await handleCommands({
      store,
      streamId: order.streamId,
      decider: orderDecider,
      metadata,
      steps: [step(fill('f-1', '8'), 'fill:f-1'), step(fill('f-2', '8'), 'fill:f-2'), step(fill('f-3', '2'), 'fill:f-3')],
    });
    expect(handled.refused.map((refusal) => refusal.step)).toEqual([1]);
    expect((handled.refused[0]!.error as Error).message).toMatch(/ORDER_OVERFILLED/);
    expect(handled.state.status).toBe('Filled');
  });

  it('handling the same steps again writes nothing twice', async () => {
    const order = await submittedOrder('batch-3');
    const steps = [step({ type: 'AcceptOrder', data: { brokerOrderId: 'b-3' }, metadata: { now } }, 'accept:b-3'), step(fill('f-1', '10'), 'fill:f-1')];
    await handleCommands({ store, streamId: order.streamId, decider: orderDecider, metadata, steps });
    const again = await handleCommands({ store, streamId: order.streamId, decider: orderDecider, metadata, steps });
    expect(again.events).toEqual([]);
    expect(await store.readStream(order.streamId)).toHaveLength(4);
  });

  it('a stale cached state falls back to the stream as stored', async () => {
    const order = await submittedOrder('batch-4');
    const handled = await handleCommand({
      store,
      streamId: order.streamId,
      decider: orderDecider,
      command: { type: 'AcceptOrder', data: { brokerOrderId: 'b-4' }, metadata: { now } },
      commandId: 'accept:b-4',
      metadata,
      occurredAt: now,
      // What a cache would hold had it missed both events.
      known: { state: initialOrderState, version: 0 },
    });
    expect(handled.state.status).toBe('Accepted');
    expect(handled.version).toBe(3);
    expect((handled.events as OrderEvent[]).map((event) => event.type)).toEqual(['OrderAccepted']);
    expect(((await store.readStream(order.streamId))[2]!.data as { clientOrderId: string }).clientOrderId).toBe(clientOrderIdFor('batch-4'));
  });

  const initializeStep = (intentId: string): CommandStep<OrderCommand> =>
    step(
      {
        type: 'InitializeOrder',
        data: { orderId: orderIdFor(intentId), intentId, intentKind: 'manual', symbol: 'AAPL', side: 'buy', type: 'market', timeInForce: 'day', quantity: '10' },
        metadata: { now },
      },
      'initialize',
    );

  it('records an intent and its submit in one append, each step with its own actor', async () => {
    const streamId = orderStreamId(orderIdFor('batch-5'));
    const before = appends;
    const handled = await handleCommands({
      store,
      streamId,
      decider: orderDecider,
      metadata,
      known: { state: initialOrderState, version: 0 },
      onlyOnKnown: true,
      steps: [{ ...initializeStep('batch-5'), metadata: { actor: 'user:alice' } }, step({ type: 'SubmitOrder', data: {}, metadata: { now } }, 'submit')],
    });
    expect(appends - before).toBe(1);
    expect(handled.stale).toBeUndefined();
    expect(handled.state.status).toBe('Submitted');
    const stored = await store.readStream(streamId);
    expect(stored.map((event) => [event.type, event.metadata.actor])).toEqual([
      ['OrderInitialized', 'user:alice'],
      ['OrderSubmitted', metadata.actor],
    ]);
  });

  it('with onlyOnKnown, appends nothing when the stream is not where the caller thought', async () => {
    const order = await submittedOrder('batch-6');
    const handled = await handleCommands({
      store,
      streamId: order.streamId,
      decider: orderDecider,
      metadata,
      known: { state: initialOrderState, version: 0 },
      onlyOnKnown: true,
      // Decided on an empty stream, the submit would be legal; on the stored one it must not be re-decided.
      steps: [initializeStep('batch-6'), step({ type: 'SubmitOrder', data: {}, metadata: { now } }, 'submit-again')],
    });
    expect(handled.stale).toBe(true);
    expect(handled.events).toEqual([]);
    expect(handled.version).toBe(0);
    expect(await store.readStream(order.streamId)).toHaveLength(2);
  });
});
