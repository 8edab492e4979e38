import { randomBytes, randomUUID } from 'node:crypto';
import type { EventInput, RecordedEvent } from '@tollgate/contracts';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { connectNatsBus, EventRelay, InProcessBus, MemoryCheckpointStore, type Bus, type BusSubscription } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, NATS_TEST_URL } from '@tollgate/testing';
import type { NatsConnection } from 'nats';
import { Client } from 'pg';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

/**
 * Commit-to-delivery through the relay (store append → sealed → relay → JetStream → durable consumer),
 * one event at a time so each sample is latency, not queueing, beside raw NATS core publish → subscriber
 * and a raw one-row PostgreSQL INSERT on the same servers. The probes are interleaved sample by sample, so
 * a burst of load on this shared machine hits the figure and its baseline alike. Also: the bus's JetStream
 * path alone, request/reply against the raw `nats` client, and the embedded default (PGlite, in-process
 * bus). The target: relay p99 ≤ 10 ms on loopback.
 */
const logger = createLogger({ serviceName: 'bench', level: 'silent' });
const NOTE_TEXT = 'x'.repeat(250);
// A ~290-byte event body plus ~130 bytes of metadata, the platform-facts test event.
const sampleBody = new TextEncoder().encode(
  JSON.stringify({ id: randomUUID(), streamId: 'fill-1', type: 'TradeFilled', data: { text: NOTE_TEXT }, metadata: { correlationId: randomUUID(), causationId: null, actor: 'auto' } }),
);
const samplePayload = JSON.parse(new TextDecoder().decode(sampleBody)) as unknown;

/** One kind of measurement: `sample` runs one operation and records its latency (or latencies) in ms. */
interface Probe {
  sample(index: number, record: boolean): Promise<void>;
  close(): Promise<void>;
}

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
    const probes: Probe[] = [];
    try {
      const rawPubSub: number[] = [];
      const rawCommits: number[] = [];
      const jetstream: number[] = [];
      const relayed: RelayLatency = { total: [], storeToRelay: [], relayToConsumer: [] };
      const rawRequests: number[] = [];
      const busRequests: number[] = [];
      probes.push(
        await rawPublishToSubscriber(publisher.connection, subscriber.connection, `${namespace}.bench.raw`, rawPubSub),
        await rawInsertCommit(database.url, rawCommits),
        await busPublishToConsumer(publisher, subscriber, jetstream),
        await commitToDelivery(store, publisher, subscriber, relayed),
        await rawRequestReply(publisher.connection, subscriber.connection, `${namespace}.bench.rpc`, rawRequests),
        await busRequestReply(publisher, subscriber, busRequests),
      );
      progress(`PostgreSQL + NATS: ${samples} rounds (after ${warmup} warm-up) of raw pub→sub, raw INSERT, bus JetStream, relay, raw and bus request/reply`);
      await interleave(probes, warmup, samples);

      progress(`embedded: PGlite + in-process bus, ${Math.min(samples, 1_000)} rounds`);
      const embedded = await embeddedCommitToDelivery(warmup, Math.min(samples, 1_000));

      const latency = (name: string, value: number, baselineName: string, baseline: number, target?: BenchFigure['target']): BenchFigure => ({
        name,
        value,
        unit: 'ms',
        baseline: { name: baselineName, value: baseline },
        higherIsBetter: false,
        ...(target ? { target } : {}),
      });
      return [
        latency('relay commit-to-delivery p50 (PostgreSQL → NATS)', percentile(relayed.total, 50), 'raw NATS pub→sub p50', percentile(rawPubSub, 50)),
        latency('relay commit-to-delivery p99 (PostgreSQL → NATS)', percentile(relayed.total, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99), { valueAtMost: 10 }),
        latency('  of which append → relay p50 (store: commit, seal, notify, read)', percentile(relayed.storeToRelay, 50), 'raw PostgreSQL 1-row INSERT p50', percentile(rawCommits, 50)),
        latency('  of which append → relay p99 (store: commit, seal, notify, read)', percentile(relayed.storeToRelay, 99), 'raw PostgreSQL 1-row INSERT p99', percentile(rawCommits, 99)),
        latency('  of which relay → consumer p50 (bus: JetStream publish, ack, delivery)', percentile(relayed.relayToConsumer, 50), 'raw NATS pub→sub p50', percentile(rawPubSub, 50)),
        latency('  of which relay → consumer p99 (bus: JetStream publish, ack, delivery)', percentile(relayed.relayToConsumer, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99)),
        latency('bus JetStream publish→consumer p50', percentile(jetstream, 50), 'raw NATS pub→sub p50', percentile(rawPubSub, 50)),
        latency('bus JetStream publish→consumer p99', percentile(jetstream, 99), 'raw NATS pub→sub p99', percentile(rawPubSub, 99)),
        latency('bus request/reply p50', percentile(busRequests, 50), 'raw nats request/reply p50', percentile(rawRequests, 50)),
        latency('bus request/reply p99', percentile(busRequests, 99), 'raw nats request/reply p99', percentile(rawRequests, 99)),
        latency('embedded commit-to-delivery p50 (PGlite → in-process bus)', percentile(embedded.relayed, 50), 'in-process bus pub→sub p50', percentile(embedded.raw, 50)),
        latency('embedded commit-to-delivery p99 (PGlite → in-process bus)', percentile(embedded.relayed, 99), 'in-process bus pub→sub p99', percentile(embedded.raw, 99)),
      ];
    } finally {
      await Promise.all(probes.map((probe) => probe.close()));
      await publisher.deleteEventStream().catch(() => undefined);
      await Promise.all([publisher.close(), subscriber.close()]);
      await store.close();
      await database.drop();
    }
  },
};

async function interleave(probes: Probe[], warmup: number, samples: number): Promise<void> {
  for (let index = 0; index < warmup + samples; index++) {
    for (const probe of probes) await probe.sample(index, index >= warmup);
  }
}

function elapsedMs(start: bigint, end = process.hrtime.bigint()): number {
  return Number(end - start) / 1e6;
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

async function rawPublishToSubscriber(pub: NatsConnection, sub: NatsConnection, subject: string, results: number[]): Promise<Probe> {
  let arrived: () => void = () => {};
  const subscription = sub.subscribe(subject, { callback: () => arrived() });
  await sub.flush();
  return {
    async sample(_index, record) {
      const delivered = new Promise<void>((resolve) => (arrived = resolve));
      const start = process.hrtime.bigint();
      pub.publish(subject, sampleBody);
      await delivered;
      if (record) results.push(elapsedMs(start));
    },
    async close() {
      subscription.unsubscribe();
    },
  };
}

/** The floor under any commit-to-delivery figure: one durable commit on the same server. */
async function rawInsertCommit(databaseUrl: string, results: number[]): Promise<Probe> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('CREATE TABLE bench_raw_commit (id uuid PRIMARY KEY, body text NOT NULL)');
  const body = new TextDecoder().decode(sampleBody);
  return {
    async sample(_index, record) {
      const start = process.hrtime.bigint();
      await client.query('INSERT INTO bench_raw_commit (id, body) VALUES ($1, $2)', [randomUUID(), body]);
      if (record) results.push(elapsedMs(start));
    },
    close: () => client.end(),
  };
}

async function busPublishToConsumer(publisher: Bus, subscriber: Bus, results: number[]): Promise<Probe> {
  const arrivals = new Arrivals();
  const consumer = await subscriber.consumeEvents({ durableName: 'bench-jetstream', subjects: 'tollgate.evt.benchjs.*', handler: (event) => arrivals.arrived(event.id) });
  return {
    async sample(index, record) {
      const event = recorded(`benchjs-${index % 16}`, index);
      const delivered = arrivals.expect(event.id);
      const start = process.hrtime.bigint();
      await publisher.publishEvent(event);
      await delivered;
      if (record) results.push(elapsedMs(start));
    },
    close: () => consumer.close(),
  };
}

interface RelayLatency {
  /** append() called → consumer handler ran. */
  total: number[];
  /** append() called → the relay hands the event to the bus (commit, seal, notify, read: the store's part). */
  storeToRelay: number[];
  /** The relay hands the event to the bus → consumer handler ran (JetStream publish, ack, pull delivery). */
  relayToConsumer: number[];
}

async function commitToDelivery(store: EventStore, publisher: Bus, subscriber: Bus, results: RelayLatency): Promise<Probe> {
  const arrivals = new Arrivals();
  const handedOver = new Map<string, bigint>();
  const consumer = await subscriber.consumeEvents({ durableName: 'bench-relay', subjects: 'tollgate.evt.benchrelay.*', handler: (event) => arrivals.arrived(event.id) });
  // The relay's bus, noting when each event reaches it.
  const observed: Bus = Object.assign(Object.create(publisher) as Bus, {
    publishEvent: (event: RecordedEvent) => {
      handedOver.set(event.id, process.hrtime.bigint());
      return publisher.publishEvent(event);
    },
  });
  const relay = new EventRelay({ store, bus: observed, checkpoints: new MemoryCheckpointStore(), name: 'bench', logger });
  await relay.start();
  return {
    async sample(index, record) {
      const event = noteInput();
      const delivered = arrivals.expect(event.id);
      const start = process.hrtime.bigint();
      await store.append(`benchrelay-${index % 16}`, 'any', [event]);
      await delivered;
      const end = process.hrtime.bigint();
      const relayed = handedOver.get(event.id)!;
      handedOver.delete(event.id);
      if (!record) return;
      results.total.push(elapsedMs(start, end));
      results.storeToRelay.push(elapsedMs(start, relayed));
      results.relayToConsumer.push(elapsedMs(relayed, end));
    },
    async close() {
      await relay.stop();
      await consumer.close();
    },
  };
}

async function rawRequestReply(client: NatsConnection, server: NatsConnection, subject: string, results: number[]): Promise<Probe> {
  const subscription = server.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await server.flush();
  return {
    async sample(_index, record) {
      const start = process.hrtime.bigint();
      await client.request(subject, sampleBody, { timeout: 5_000 });
      if (record) results.push(elapsedMs(start));
    },
    async close() {
      subscription.unsubscribe();
    },
  };
}

async function busRequestReply(client: Bus, server: Bus, results: number[]): Promise<Probe> {
  const subject = 'tollgate.cmd.bench.echo';
  const responder: BusSubscription = await server.reply(subject, (payload: unknown) => payload);
  return {
    async sample(_index, record) {
      const start = process.hrtime.bigint();
      await client.request(subject, samplePayload);
      if (record) results.push(elapsedMs(start));
    },
    close: () => responder.close(),
  };
}

/** The embedded default: PGlite in this process, the in-process bus, the same relay. */
async function embeddedCommitToDelivery(warmup: number, samples: number): Promise<{ relayed: number[]; raw: number[] }> {
  const store = await createEventStore({ dataDir: 'memory://' });
  const bus = new InProcessBus({ logger });
  const relay = new EventRelay({ store, bus, checkpoints: new MemoryCheckpointStore(), logger });
  const arrivals = new Arrivals();
  const raw: number[] = [];
  const relayed: number[] = [];
  try {
    let arrived: () => void = () => {};
    await bus.subscribe('bench.raw', () => arrived());
    await bus.consumeEvents({ durableName: 'bench', handler: (event) => arrivals.arrived(event.id) });
    await relay.start();
    await interleave(
      [
        {
          async sample(_index, record) {
            const delivered = new Promise<void>((resolve) => (arrived = resolve));
            const start = process.hrtime.bigint();
            bus.publish('bench.raw', samplePayload);
            await delivered;
            if (record) raw.push(elapsedMs(start));
          },
          close: async () => {},
        },
        {
          async sample(index, record) {
            const event = noteInput();
            const delivered = arrivals.expect(event.id);
            const start = process.hrtime.bigint();
            await store.append(`benchembedded-${index % 16}`, 'any', [event]);
            await delivered;
            if (record) relayed.push(elapsedMs(start));
          },
          close: async () => {},
        },
      ],
      warmup,
      samples,
    );
    return { relayed, raw };
  } finally {
    await relay.stop();
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
