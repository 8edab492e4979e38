/**
 * The behaviour every Bus implementation must show. Run by in-process-bus.spec.ts and nats-bus.int.spec.ts.
 * `bus` publishes, `peer` consumes and answers: a second connection on NATS, the same bus in-process.
 */
import { context, trace } from '@opentelemetry/api';
import { subjects, type RecordedEvent } from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import { createLogger, startTelemetry, traceMetadata, type Logger } from '@tollgate/telemetry';
// The contract suite is test code (run by the *.spec.ts files), which may use the shared waitFor.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { waitFor } from '@tollgate/testing';
import { NoResponderError, RemoteError, RequestTimeoutError, type Bus, type BusSubscription, type EventDelivery } from './bus';
import { RecentEventIds } from './processed-events';
import { recordedEvent } from './testing/events';

export interface BusContractWorld {
  bus: Bus;
  peer: Bus;
  /** The stream's duplicate window, as configured for this world. */
  duplicateWindowMs: number;
  /** The messages the buses logged at error level (both buses log through `contractLogger`). */
  loggedErrors: string[];
}

/** A logger for the buses under test that keeps their error messages instead of printing them. */
export function contractLogger(): { logger: Logger; loggedErrors: string[] } {
  const loggedErrors: string[] = [];
  const destination = {
    write: (line: string) => {
      const entry = JSON.parse(line) as { level: string; msg: string };
      if (entry.level === 'error') loggedErrors.push(entry.msg);
    },
  };
  return { logger: createLogger({ serviceName: 'bus-contract', level: 'error', destination }), loggedErrors };
}

export function describeBusContract(label: string, open: () => Promise<BusContractWorld>, close: (world: BusContractWorld) => Promise<void>): void {
  describe(`Bus contract: ${label}`, () => {
    const telemetry = startTelemetry({ serviceName: 'bus-contract', inMemory: true });
    let world: BusContractWorld;
    let counter = 0;
    const open_: BusSubscription[] = [];
    const unique = (base: string) => `${base}${++counter}x${Date.now().toString(36)}`;
    const track = (subscription: BusSubscription) => (open_.push(subscription), subscription);

    beforeAll(async () => {
      world = await open();
    });
    afterEach(async () => {
      await Promise.all(open_.splice(0).map((subscription) => subscription.close()));
    });
    afterAll(async () => {
      await close(world);
      await telemetry.shutdown();
    });

    function collector() {
      const seen: Array<{ event: RecordedEvent; delivery: EventDelivery }> = [];
      return { seen, handler: (event: RecordedEvent, delivery: EventDelivery) => void seen.push({ event, delivery }) };
    }

    describe('domain events', () => {
      it('delivers published events to a durable consumer in publish order, each once', async () => {
        const category = unique('alpha');
        const events = Array.from({ length: 20 }, (_, i) => recordedEvent(`${category}-${i % 3}`, i % 2 ? 'Filled' : 'Placed', { i }));
        const { seen, handler } = collector();
        track(await world.peer.consumeEvents({ durableName: unique('ordered'), subjects: subjects.eventsOfCategory(category), handler }));
        for (const event of events) await world.bus.publishEvent(event);
        await waitFor(() => seen.length >= events.length, { what: 'all events delivered' });
        await world.bus.flush();
        expect(seen.map(({ event }) => event.id)).toEqual(events.map((event) => event.id));
        expect(seen[1]!.event).toEqual(events[1]);
        expect(seen[1]!.delivery.subject).toBe(subjects.event(category, 'Filled'));
        expect(seen.every(({ delivery }) => delivery.attempt === 1)).toBe(true);
      });

      it('drops a re-published event id: the stream reports a duplicate and the consumer sees it once', async () => {
        const category = unique('dup');
        const event = recordedEvent(`${category}-1`, 'Placed');
        const marker = recordedEvent(`${category}-1`, 'Marker');
        const first = await world.bus.publishEvent(event);
        const again = await world.bus.publishEvent(event);
        expect(first.duplicate).toBe(false);
        expect(again).toEqual({ subject: first.subject, sequence: first.sequence, duplicate: true });
        await world.bus.publishEvent(marker);
        const { seen, handler } = collector();
        track(await world.peer.consumeEvents({ durableName: unique('dup'), subjects: subjects.eventsOfCategory(category), handler }));
        await waitFor(() => seen.some(({ event: e }) => e.id === marker.id), { what: 'marker delivered' });
        expect(seen.map(({ event: e }) => e.id)).toEqual([event.id, marker.id]);
      });

      it('skips a copy published after the duplicate window: the consumer dedupes by event id', async () => {
        const category = unique('late');
        const event = recordedEvent(`${category}-1`, 'Placed');
        const { seen, handler } = collector();
        track(await world.peer.consumeEvents({ durableName: unique('late'), subjects: subjects.eventsOfCategory(category), handler }));
        await world.bus.publishEvent(event);
        await waitFor(() => seen.length === 1, { what: 'first copy delivered' });
        // Re-publish until the stream has forgotten the id and stores a second copy.
        await waitFor(async () => !(await world.bus.publishEvent(event)).duplicate, {
          timeoutMs: world.duplicateWindowMs + 10_000,
          intervalMs: 50,
          what: 'the duplicate window to pass',
        });
        const marker = recordedEvent(`${category}-1`, 'Marker');
        await world.bus.publishEvent(marker);
        await waitFor(() => seen.some(({ event: e }) => e.id === marker.id), { what: 'marker delivered' });
        expect(seen.map(({ event: e }) => e.id)).toEqual([event.id, marker.id]);
      });

      it('resumes a durable consumer where it stopped, losing and repeating nothing', async () => {
        const category = unique('resume');
        const durableName = unique('resume');
        const before = Array.from({ length: 3 }, () => recordedEvent(`${category}-1`, 'Placed'));
        const after = Array.from({ length: 3 }, () => recordedEvent(`${category}-1`, 'Placed'));
        const first = collector();
        const subscription = await world.peer.consumeEvents({ durableName, subjects: subjects.eventsOfCategory(category), handler: first.handler });
        for (const event of before) await world.bus.publishEvent(event);
        await waitFor(() => first.seen.length === 3, { what: 'first batch' });
        await subscription.close();
        for (const event of after) await world.bus.publishEvent(event);
        const second = collector();
        track(await world.peer.consumeEvents({ durableName, subjects: subjects.eventsOfCategory(category), handler: second.handler }));
        await waitFor(() => second.seen.length >= 3, { what: 'second batch' });
        const marker = recordedEvent(`${category}-1`, 'Marker');
        await world.bus.publishEvent(marker);
        await waitFor(() => second.seen.length === 4, { what: 'marker' });
        expect(second.seen.map(({ event }) => event.id)).toEqual([...after, marker].map((event) => event.id));
      });

      it('receives only the subjects it filters on, with one or several filters', async () => {
        const wanted = unique('want');
        const other = unique('other');
        const third = unique('third');
        const single = collector();
        const several = collector();
        track(await world.peer.consumeEvents({ durableName: unique('single'), subjects: subjects.eventsOfCategory(wanted), handler: single.handler }));
        track(
          await world.peer.consumeEvents({
            durableName: unique('several'),
            subjects: [subjects.eventsOfCategory(wanted), subjects.event(third, 'Kept')],
            handler: several.handler,
          }),
        );
        const events = [
          recordedEvent(`${other}-1`, 'Placed'),
          recordedEvent(`${wanted}-1`, 'Placed'),
          recordedEvent(`${third}-1`, 'Dropped'),
          recordedEvent(`${third}-1`, 'Kept'),
          recordedEvent(`${wanted}-2`, 'Filled'),
        ];
        for (const event of events) await world.bus.publishEvent(event);
        await waitFor(() => single.seen.length === 2 && several.seen.length === 3, { what: 'filtered deliveries' });
        expect(single.seen.map(({ event }) => event.id)).toEqual([events[1]!.id, events[4]!.id]);
        expect(several.seen.map(({ event }) => event.id)).toEqual([events[1]!.id, events[3]!.id, events[4]!.id]);
      });

      it('redelivers an event whose handler threw, with the attempt number, without blocking the others', async () => {
        const category = unique('retry');
        const events = Array.from({ length: 3 }, () => recordedEvent(`${category}-1`, 'Placed'));
        const failing = events[0]!.id;
        let failures = 0;
        const errors: unknown[] = [];
        const { seen, handler } = collector();
        track(
          await world.peer.consumeEvents({
            durableName: unique('retry'),
            subjects: subjects.eventsOfCategory(category),
            retryDelayMs: 50,
            onError: (error) => errors.push(error),
            handler: (event, delivery) => {
              if (event.id === failing && failures++ === 0) throw new Error('transient');
              handler(event, delivery);
            },
          }),
        );
        for (const event of events) await world.bus.publishEvent(event);
        await waitFor(() => seen.length === 3, { what: 'all handled' });
        expect(seen.map(({ event }) => event.id).sort()).toEqual(events.map((event) => event.id).sort());
        expect(seen.find(({ event }) => event.id === failing)!.delivery.attempt).toBe(2);
        expect(errors).toHaveLength(1);
      });

      it('skips ids the consumer already processed', async () => {
        const category = unique('seen');
        const done = recordedEvent(`${category}-1`, 'Placed');
        const fresh = recordedEvent(`${category}-1`, 'Placed');
        const processed = new RecentEventIds();
        processed.add(done.id);
        const { seen, handler } = collector();
        track(await world.peer.consumeEvents({ durableName: unique('seen'), subjects: subjects.eventsOfCategory(category), processed, handler }));
        await world.bus.publishEvent(done);
        await world.bus.publishEvent(fresh);
        await waitFor(() => seen.length === 1 && processed.has(fresh.id), { what: 'fresh event' });
        expect(seen.map(({ event }) => event.id)).toEqual([fresh.id]);
      });

      it("starts a new consumer at the stream's end with deliverFrom 'new'", async () => {
        const category = unique('new');
        const old = recordedEvent(`${category}-1`, 'Placed');
        await world.bus.publishEvent(old);
        const { seen, handler } = collector();
        track(await world.peer.consumeEvents({ durableName: unique('new'), subjects: subjects.eventsOfCategory(category), deliverFrom: 'new', handler }));
        const fresh = recordedEvent(`${category}-1`, 'Placed');
        await world.bus.publishEvent(fresh);
        await waitFor(() => seen.length >= 1, { what: 'fresh event' });
        expect(seen.map(({ event }) => event.id)).toEqual([fresh.id]);
      });

      it('refuses a second consumer under the same durable name on one bus, and bad names', async () => {
        const durableName = unique('twice');
        track(await world.peer.consumeEvents({ durableName, handler: () => {} }));
        await expect(world.peer.consumeEvents({ durableName, handler: () => {} })).rejects.toThrow(durableName);
        await expect(world.peer.consumeEvents({ durableName: 'has.dot', handler: () => {} })).rejects.toThrow('durableName');
        await expect(world.peer.consumeEvents({ durableName: unique('bad'), subjects: 'tollgate.md.quote.X', handler: () => {} })).rejects.toThrow('not an event subject');
      });

      it("continues the event's trace: metadata span → publish span → consumer span", async () => {
        const category = unique('traced');
        const origin = telemetry.tracer.startSpan('decide');
        const metadata = traceMetadata(trace.setSpan(context.active(), origin));
        origin.end();
        const event = recordedEvent(`${category}-1`, 'Placed', {}, metadata);
        const traceIds: Array<string | undefined> = [];
        const { seen, handler } = collector();
        track(
          await world.peer.consumeEvents({
            durableName: unique('traced'),
            subjects: subjects.eventsOfCategory(category),
            handler: (e, delivery) => {
              traceIds.push(trace.getSpan(context.active())?.spanContext().traceId);
              handler(e, delivery);
            },
          }),
        );
        await world.bus.publishEvent(event);
        await waitFor(() => seen.length === 1, { what: 'traced event' });
        const traceId = origin.spanContext().traceId;
        expect(traceIds).toEqual([traceId]);
        const spans = await waitFor(() => {
          const found = telemetry.finishedSpans().filter((span) => span.traceId === traceId);
          return found.length >= 3 ? found : undefined;
        }, { what: 'finished spans' });
        const publish = spans.find((span) => span.kind === 'producer')!;
        const consume = spans.find((span) => span.kind === 'consumer')!;
        expect(publish.parentSpanId).toBe(origin.spanContext().spanId);
        expect(consume.parentSpanId).toBe(publish.spanId);
        expect(consume.attributes['messaging.message.id']).toBe(event.id);
      });
    });

    describe('core publish/subscribe', () => {
      it('delivers to every matching subscriber and to one member of each queue group', async () => {
        const symbol = unique('SYM');
        const exact: unknown[] = [];
        const wildcard: string[] = [];
        const queueA: unknown[] = [];
        const queueB: unknown[] = [];
        track(await world.peer.subscribe(subjects.quote(symbol), (payload) => void exact.push(payload)));
        track(await world.peer.subscribe('tollgate.md.>', (_payload, message) => void wildcard.push(message.subject)));
        track(await world.peer.subscribe(subjects.quote(symbol), (payload) => void queueA.push(payload), { queue: 'workers' }));
        track(await world.peer.subscribe(subjects.quote(symbol), (payload) => void queueB.push(payload), { queue: 'workers' }));
        for (let i = 0; i < 10; i++) world.bus.publish(subjects.quote(symbol), { i, bid: dec('101.25') });
        world.bus.publish(subjects.bar(symbol), { close: '1' });
        await world.bus.flush();
        await waitFor(() => exact.length === 10 && queueA.length + queueB.length === 10 && wildcard.filter((s) => s.endsWith(symbol)).length === 11, {
          what: 'core deliveries',
        });
        expect(exact[3]).toEqual({ i: 3, bid: '101.25' });
        expect(wildcard).toContain(subjects.bar(symbol));
        expect(new Set([...queueA, ...queueB].map((payload) => (payload as { i: number }).i)).size).toBe(10);
      });

      it('delivers to each subscriber in publish order', async () => {
        const symbol = unique('ORD');
        const exact: number[] = [];
        const wildcard: number[] = [];
        track(await world.peer.subscribe(subjects.quote(symbol), (payload: { i: number }) => void exact.push(payload.i)));
        track(await world.peer.subscribe(`tollgate.md.*.${symbol}`, (payload: { i: number }) => void wildcard.push(payload.i)));
        const sent = Array.from({ length: 200 }, (_, i) => i);
        for (const i of sent) world.bus.publish(subjects.quote(symbol), { i });
        await world.bus.flush();
        await waitFor(() => exact.length === sent.length && wildcard.length === sent.length, { what: 'ordered deliveries' });
        expect(exact).toEqual(sent);
        expect(wildcard).toEqual(sent);
      });

      it('gives every subscriber its own copy: no subscriber or publisher sees another one change the payload', async () => {
        const symbol = unique('ISO');
        const published = { bid: dec('1.5'), legs: [{ qty: '1' }] };
        const seenBySecond: unknown[] = [];
        const mutate = (payload: { bid: string; legs: Array<{ qty: string }> }) => {
          payload.bid = 'mutated';
          payload.legs[0]!.qty = 'mutated';
          payload.legs.push({ qty: 'added' });
        };
        track(await world.peer.subscribe(subjects.quote(symbol), mutate));
        track(await world.peer.subscribe(subjects.quote(symbol), (payload) => void seenBySecond.push(payload)));
        track(await world.peer.subscribe(`tollgate.md.quote.*`, (payload, message) => void (message.subject.endsWith(symbol) && mutate(payload as never))));
        world.bus.publish(subjects.quote(symbol), published);
        // What the publisher does to its object after publishing is not part of the message.
        published.legs[0]!.qty = 'changed after publish';
        await world.bus.flush();
        await waitFor(() => seenBySecond.length === 1, { what: 'the second subscriber' });
        expect(seenBySecond[0]).toEqual({ bid: '1.5', legs: [{ qty: '1' }] });
        expect(published.bid.toString()).toBe('1.5');
        expect(published.legs).toEqual([{ qty: 'changed after publish' }]);
      });

      it('keeps delivering to the other subscribers when one throws or rejects', async () => {
        const symbol = unique('ERR');
        const received: number[] = [];
        track(
          await world.peer.subscribe(subjects.quote(symbol), () => {
            throw new Error('subscriber bug');
          }),
        );
        track(await world.peer.subscribe(subjects.quote(symbol), async () => Promise.reject(new Error('async subscriber bug'))));
        track(await world.peer.subscribe(subjects.quote(symbol), (payload: { i: number }) => void received.push(payload.i)));
        for (let i = 0; i < 5; i++) expect(() => world.bus.publish(subjects.quote(symbol), { i })).not.toThrow();
        await world.bus.flush();
        await waitFor(() => received.length === 5, { what: 'deliveries past the failing subscribers' });
        expect(received).toEqual([0, 1, 2, 3, 4]);
        const reported = () => world.loggedErrors.filter((message) => message === `subscriber on ${subjects.quote(symbol)} failed`);
        await waitFor(() => reported().length === 10, { what: 'each failure logged' });
      });

      it("continues the publisher's trace in a consumer span, and runs outside any span when there is none", async () => {
        const symbol = unique('TRC');
        const seen: Array<{ i: number; traceId: string | undefined }> = [];
        track(
          await world.peer.subscribe(subjects.quote(symbol), (payload: { i: number }) => {
            seen.push({ i: payload.i, traceId: trace.getSpan(context.active())?.spanContext().traceId });
          }),
        );
        const origin = telemetry.tracer.startSpan('publisher');
        context.with(trace.setSpan(context.active(), origin), () => world.bus.publish(subjects.quote(symbol), { i: 1 }));
        origin.end();
        world.bus.publish(subjects.quote(symbol), { i: 2 });
        await world.bus.flush();
        await waitFor(() => seen.length === 2, { what: 'both quotes' });
        const traceId = origin.spanContext().traceId;
        expect(seen).toEqual([
          { i: 1, traceId },
          { i: 2, traceId: undefined },
        ]);
        const consumer = await waitFor(() => telemetry.finishedSpans().find((span) => span.traceId === traceId && span.kind === 'consumer'), { what: 'consumer span' });
        expect(consumer.parentSpanId).toBe(origin.spanContext().spanId);
        expect(consumer.name).toBe(`process ${subjects.quote(symbol)}`);
      });

      it('rejects subjects that are not valid NATS subjects', async () => {
        expect(() => world.bus.publish('tollgate..x', {})).toThrow('tollgate..x');
        expect(() => world.bus.publish('tollgate.md.*', {})).toThrow('not a valid NATS subject');
        await expect(world.bus.subscribe('a.>.b', () => {})).rejects.toThrow('a.>.b');
      });
    });

    describe('request/reply', () => {
      it('returns the reply, with payloads crossing as JSON', async () => {
        const subject = subjects.command(unique('svc'), 'quote');
        track(await world.peer.reply<{ qty: string }, { qty: string; doubled: string }>(subject, ({ qty }) => ({ qty, doubled: dec(qty).times(2).toString() })));
        const reply = await world.bus.request<{ qty: string; doubled: string }>(subject, { qty: dec('1.5') });
        expect(reply).toEqual({ qty: '1.5', doubled: '3' });
      });

      it('fails with RemoteError naming the service, the subject and the remote error', async () => {
        const service = unique('risk');
        const subject = subjects.command(service, 'check-order');
        track(
          await world.peer.reply(subject, () => {
            throw Object.assign(new Error('order exceeds the position limit'), { code: 'LIMIT_EXCEEDED' });
          }),
        );
        const failure = await world.bus.request(subject, { orderId: 'o-1' }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(RemoteError);
        const remote = failure as RemoteError;
        expect(remote.service).toBe(service);
        expect(remote.subject).toBe(subject);
        expect(remote.remote).toMatchObject({ name: 'Error', code: 'LIMIT_EXCEEDED', message: 'order exceeds the position limit' });
        expect(remote.message).toContain(service);
        expect(remote.message).toContain(subject);
        expect(remote.message).toContain('order exceeds the position limit');
      });

      it('fails with RequestTimeoutError naming the service and the subject when nobody replies in time', async () => {
        const service = unique('slow');
        const subject = subjects.command(service, 'state');
        track(await world.peer.subscribe(subject, () => {}));
        track(await world.peer.reply(subject, () => new Promise(() => {})));
        const started = Date.now();
        const failure = await world.bus.request(subject, {}, { timeoutMs: 150 }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(RequestTimeoutError);
        expect(failure).toMatchObject({ service, subject, timeoutMs: 150 });
        expect((failure as Error).message).toBe(`${service} did not reply to ${subject} within 150 ms`);
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      });

      it('fails with NoResponderError when no service listens on the subject', async () => {
        const service = unique('absent');
        const subject = subjects.command(service, 'kill');
        const failure = await world.bus.request(subject, {}, { timeoutMs: 2_000 }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(NoResponderError);
        expect((failure as Error).message).toContain(service);
        expect((failure as Error).message).toContain(subject);
      });

      it('spreads requests over a queue group: one reply per request', async () => {
        const subject = subjects.command(unique('pool'), 'work');
        const handledBy: string[] = [];
        track(await world.peer.reply(subject, (n: number) => (handledBy.push('a'), n)));
        track(await world.peer.reply(subject, (n: number) => (handledBy.push('b'), n)));
        const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => world.bus.request<number>(subject, i)));
        expect(replies).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect(handledBy).toHaveLength(8);
      });

      it('continues the caller trace: the server span is a child of the client span', async () => {
        const subject = subjects.command(unique('traced'), 'ping');
        let handlerTraceId: string | undefined;
        track(
          await world.peer.reply(subject, () => {
            handlerTraceId = trace.getSpan(context.active())?.spanContext().traceId;
            return 'pong';
          }),
        );
        const root = telemetry.tracer.startSpan('caller');
        await context.with(trace.setSpan(context.active(), root), () => world.bus.request(subject, {}));
        root.end();
        const traceId = root.spanContext().traceId;
        expect(handlerTraceId).toBe(traceId);
        const spans = await waitFor(() => {
          const found = telemetry.finishedSpans().filter((span) => span.traceId === traceId);
          return found.length >= 3 ? found : undefined;
        }, { what: 'finished spans' });
        const client = spans.find((span) => span.kind === 'client')!;
        const server = spans.find((span) => span.kind === 'server')!;
        expect(client.parentSpanId).toBe(root.spanContext().spanId);
        expect(server.parentSpanId).toBe(client.spanId);
        expect(client.name).toBe(`send ${subject}`);
      });
    });
  });
}
