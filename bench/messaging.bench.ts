import { randomBytes, randomUUID } from 'node:crypto';
import type { EventInput, RecordedEvent } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { connectNatsBus, EventRelay, InProcessBus, MemoryCheckpointStore, type Bus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, NATS_TEST_URL } from '@tollgate/testing';
import type { NatsConnection } from 'nats';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

/**
 * Commit-to-delivery through the relay (store append → sealed → relay → JetStream → durable consumer),
 * one event at a time so each sample is pure latency, beside a raw NATS core publish → subscriber on the
 * same server in the same run. Also the bus's JetStream path alone and request/reply, each beside the
 * raw `nats` client doing the same. The target: relay p99 ≤ 10 ms on loopback.
 */
const logger = createLogger({ serviceName: 'bench', level: 'silent' });
const NOTE_TEXT = 'x'.repeat(250);
// A ~290-byte event body plus ~130 bytes of metadata, the platform-facts test event.
const sampleBody = new TextEncoder().encode(
  JSON.stringify({ id: randomUUID(), streamId: 'fill-1', type: 'TradeFilled', data: { text: NOTE_TEXT }, metadata: { correlationId: randomUUID(), causationId: null, actor: 'auto' } }),
);

export const suite: BenchSuite = {
  name: 'messaging',
  async run({ quick, progress }) {
    const samples = quick ? 300 : 2_000;
    const warmup = quick ? 30 : 200;
    const namespace = `bench_${randomBytes(5).toString('hex')}`;
    const database = await createTestDatabase('tollgate_bench');
    const store = await createEventStore({ databaseUrl: database.url });
    const publisher = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger, name: 'bench-publisher' });
    const subscriber = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger, name: 'bench-subscriber' });
    const figures: BenchFigure[] = [];
    try {
      progress(`raw NATS publish → subscriber, ${samples} messages one at a time`);
      const rawPubSub = await rawPublishToSubscriber(publisher.connection, subscriber.connection, `${namespace}.bench.raw`, warmup, samples);

      progress(`bus JetStream publishEvent → durable consumer, ${samples} events`);
      const jetstream = await busPublishToConsumer(publisher, subscriber, warmup, samples);

      progress(`relay: append → relay → JetStream → consumer, ${samples} events (PostgreSQL)`);
      const relayed = await commitToDelivery(store, publisher, subscriber, warmup, samples);

      progress(`request/reply, ${samples} requests one at a time`);
      const rawRequests = await rawRequestReply(publisher.connection, subscriber.connection, `${namespace}.bench.rpc`, warmup, samples);
      const busRequests = await busRequestReply(publisher, subscriber, warmup, samples);

      progress(`embedded: PGlite + in-process bus, ${Math.min(samples, 1_000)} events`);
      const embedded = await embeddedCommitToDelivery(warmup, Math.min(samples, 1_000));

      const latency = (name: string, value: number, baselineName: string, baseline: number, target?: BenchFigure['target']): BenchFigure => ({
        name,
        value,
        unit: 'ms',
        baseline: { name: baselineName, value: baseline },
        higherIsBetter: false,
        ...(target ? { target } : {}),
      });
      figures.push(
        latency('relay commit-to-delivery p50 (PostgreSQL → NATS)', percentile(relayed.total, 50), 'raw NATS pub→sub p50', percentile(rawPubSub, 50)),
        latency('relay commit-to-delivery p99 (PostgreSQL → NATS)', percentile(relayed.total, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99), { valueAtMost: 10 }),
        latency('  of which append → relay p99 (store: commit, seal, notify, read)', percentile(relayed.storeToRelay, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99)),
        latency('  of which relay → consumer p99 (bus: JetStream publish, ack, delivery)', percentile(relayed.relayToConsumer, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99)),
        latency('bus JetStream publish→consumer p50', percentile(jetstream, 50), 'raw NATS pub→sub p50', percentile(rawPubSub, 50)),
        latency('bus JetStream publish→consumer p99', percentile(jetstream, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99)),
        latency('bus request/reply p50', percentile(busRequests, 50), 'raw nats request/reply p50', percentile(rawRequests, 50)),
        latency('bus request/reply p99', percentile(busRequests, 99), 'raw nats request/reply p99', percentile(rawRequests, 99)),
        latency('embedded commit-to-delivery p99 (PGlite → in-process bus)', percentile(embedded.relayed, 99), 'in-process bus pub→sub p99', percentile(embedded.raw, 99)),
      );
      return figures;
    } finally {
      await publisher.deleteEventStream().catch(() => undefined);
      await Promise.all([publisher.close(), subscriber.close()]);
      await store.close();
      await database.drop();
    }
  },
};

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `once` warmup + samples times, one at a time; returns the measured samples (warmup dropped). */
async function measure(warmup: number, samples: number, once: (index: number) => Promise<number>): Promise<number[]> {
  const results: number[] = [];
  for (let index = 0; index < warmup + samples; index++) {
    const value = await once(index);
    if (index >= warmup) results.push(value);
  }
  return results;
}

/** Resolves the waiter registered under a key when the matching delivery arrives. */
class Arrivals {
  private readonly waiters = new Map<string, () => void>();
  expect(key: string): Promise<void> {
    return new Promise((resolve) => this.waiters.set(key, resolve));
  }
  arrived(key: string): void {
    const waiter = this.waiters.get(key);
    this.waiters.delete(key);
    waiter?.();
  }
}

async function rawPublishToSubscriber(pub: NatsConnection, sub: NatsConnection, subject: string, warmup: number, samples: number): Promise<number[]> {
  let arrived: () => void = () => {};
  const subscription = sub.subscribe(subject, { callback: () => arrived() });
  await sub.flush();
  const results = await measure(warmup, samples, async () => {
    const delivered = new Promise<void>((resolve) => (arrived = resolve));
    const start = process.hrtime.bigint();
    pub.publish(subject, sampleBody);
    await delivered;
    return elapsedMs(start);
  });
  subscription.unsubscribe();
  return results;
}

async function busPublishToConsumer(publisher: Bus, subscriber: Bus, warmup: number, samples: number): Promise<number[]> {
  const arrivals = new Arrivals();
  const consumer = await subscriber.consumeEvents({ durableName: 'bench-jetstream', subjects: 'tollgate.evt.benchjs.*', deliverFrom: 'new', handler: (event) => arrivals.arrived(event.id) });
  const results = await measure(warmup, samples, async (index) => {
    const event = recorded(`benchjs-${index % 16}`, index);
    const delivered = arrivals.expect(event.id);
    const start = process.hrtime.bigint();
    await publisher.publishEvent(event);
    await delivered;
    return elapsedMs(start);
  });
  await consumer.close();
  return results;
}

interface RelayLatency {
  /** append() called → consumer handler ran. */
  total: number[];
  /** append() called → the relay hands the event to the bus (commit, seal, notify, read: the store's part). */
  storeToRelay: number[];
  /** The relay hands the event to the bus → consumer handler ran (JetStream publish, ack, pull delivery). */
  relayToConsumer: number[];
}

async function commitToDelivery(store: EventStore, publisher: Bus, subscriber: Bus, warmup: number, samples: number): Promise<RelayLatency> {
  const arrivals = new Arrivals();
  const handedOver = new Map<string, bigint>();
  const consumer = await subscriber.consumeEvents({ durableName: 'bench-relay', subjects: 'tollgate.evt.benchrelay.*', handler: (event) => arrivals.arrived(event.id) });
  // The relay's bus, with a note of when each event reaches it.
  const observed: Bus = Object.assign(Object.create(publisher) as Bus, {
    publishEvent: (event: RecordedEvent) => {
      handedOver.set(event.id, process.hrtime.bigint());
      return publisher.publishEvent(event);
    },
  });
  const relay = new EventRelay({ store, bus: observed, checkpoints: new MemoryCheckpointStore(), name: 'bench', logger });
  await relay.start();
  const latency: RelayLatency = { total: [], storeToRelay: [], relayToConsumer: [] };
  try {
    await measure(warmup, samples, async (index) => {
      const event = noteInput();
      const delivered = arrivals.expect(event.id);
      const start = process.hrtime.bigint();
      await store.append(`benchrelay-${index % 16}`, 'any', [event]);
      await delivered;
      const end = process.hrtime.bigint();
      const relayed = handedOver.get(event.id)!;
      handedOver.delete(event.id);
      if (index >= warmup) {
        latency.total.push(Number(end - start) / 1e6);
        latency.storeToRelay.push(Number(relayed - start) / 1e6);
        latency.relayToConsumer.push(Number(end - relayed) / 1e6);
      }
      return 0;
    });
    return latency;
  } finally {
    await relay.stop();
    await consumer.close();
  }
}

async function rawRequestReply(client: NatsConnection, server: NatsConnection, subject: string, warmup: number, samples: number): Promise<number[]> {
  const subscription = server.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await server.flush();
  const results = await measure(warmup, samples, async () => {
    const start = process.hrtime.bigint();
    await client.request(subject, sampleBody, { timeout: 5_000 });
    return elapsedMs(start);
  });
  subscription.unsubscribe();
  return results;
}

async function busRequestReply(client: Bus, server: Bus, warmup: number, samples: number): Promise<number[]> {
  const subject = 'tollgate.cmd.bench.echo';
  const responder = await server.reply(subject, (payload: unknown) => payload);
  const payload = JSON.parse(new TextDecoder().decode(sampleBody)) as unknown;
  const results = await measure(warmup, samples, async () => {
    const start = process.hrtime.bigint();
    await client.request(subject, payload);
    return elapsedMs(start);
  });
  await responder.close();
  return results;
}

/** The embedded default: PGlite in this process, the in-process bus, the same relay. */
async function embeddedCommitToDelivery(warmup: number, samples: number): Promise<{ relayed: number[]; raw: number[] }> {
  const store = await createEventStore({ dataDir: 'memory://' });
  const bus = new InProcessBus({ logger });
  const arrivals = new Arrivals();
  try {
    let arrived: () => void = () => {};
    const core = await bus.subscribe('bench.raw', () => arrived());
    const raw = await measure(warmup, samples, async () => {
      const delivered = new Promise<void>((resolve) => (arrived = resolve));
      const start = process.hrtime.bigint();
      bus.publish('bench.raw', JSON.parse(new TextDecoder().decode(sampleBody)));
      await delivered;
      return elapsedMs(start);
    });
    await core.close();
    await bus.consumeEvents({ durableName: 'bench', handler: (event) => arrivals.arrived(event.id) });
    const relay = new EventRelay({ store, bus, checkpoints: new MemoryCheckpointStore(), logger });
    await relay.start();
    const relayed = await measure(warmup, samples, async (index) => {
      const event = noteInput();
      const delivered = arrivals.expect(event.id);
      const start = process.hrtime.bigint();
      await store.append(`benchembedded-${index % 16}`, 'any', [event]);
      await delivered;
      return elapsedMs(start);
    });
    await relay.stop();
    return { relayed, raw };
  } finally {
    await bus.close();
    await store.close();
  }
}

function noteInput(): EventInput {
  return {
    id: randomUUID(),
    type: 'OperatorNote',
    data: { text: NOTE_TEXT },
    metadata: { correlationId: randomUUID(), causationId: null, actor: 'auto' },
    occurredAt: new Date().toISOString(),
  };
}

function recorded(streamId: string, position: number): RecordedEvent {
  const input = noteInput();
  const now = new Date().toISOString();
  return { ...input, streamId, streamVersion: position + 1, position: position + 1, schemaVersion: 1, recordedAt: now, occurredAt: input.occurredAt };
}
