import { Controller, type INestMicroservice } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { subjects, type RecordedEvent } from '@tollgate/contracts';
import { DomainError } from '@tollgate/kernel';
import { InProcessBus, RemoteError, RequestTimeoutError, type Bus } from '@tollgate/messaging';
import { startTelemetry, traceMetadata } from '@tollgate/telemetry';
import { waitFor } from '@tollgate/testing';
import { firstValueFrom } from 'rxjs';
import { randomUUID } from 'node:crypto';
import { BusClient } from './bus-client';
import { BusContext } from './bus-context';
import { createServiceApp } from './service-app';
import { InjectBus } from './tollgate.module';

const telemetry = startTelemetry({ serviceName: 'nest-spec', inMemory: true, logLevel: 'warn' });
const ping = subjects.command('beta', 'ping');
const stall = subjects.command('beta', 'stall');
const received: Array<{ event: RecordedEvent; attempt: number | undefined }> = [];
const quotes: unknown[] = [];

@Controller()
class BetaController {
  constructor(@InjectBus() private readonly bus: Bus) {}

  @MessagePattern(ping)
  async ping(@Payload() body: { text: string }, @Ctx() context: BusContext): Promise<{ pong: string; subject: string }> {
    if (body.text === 'refuse') throw new DomainError('PING_REFUSED', 'beta refuses to ping');
    const now = new Date().toISOString();
    // In a service this is a store append; the relay then publishes it. Here the bus gets it directly.
    await this.bus.publishEvent({
      id: randomUUID(),
      streamId: 'beta-1',
      streamVersion: 1,
      position: 1,
      type: 'Pinged',
      schemaVersion: 1,
      data: { text: body.text },
      metadata: { correlationId: randomUUID(), causationId: null, actor: 'system:beta', ...traceMetadata() },
      occurredAt: now,
      recordedAt: now,
    });
    return { pong: body.text, subject: context.getSubject() };
  }

  @MessagePattern(stall)
  stall(): Promise<never> {
    return new Promise(() => {});
  }
}

@Controller()
class AlphaController {
  @EventPattern(subjects.eventsOfCategory('beta'))
  onBetaEvent(@Payload() event: RecordedEvent, @Ctx() context: BusContext): void {
    received.push({ event, attempt: context.getDelivery()?.attempt });
  }

  @EventPattern(subjects.allQuotes)
  onQuote(@Payload() quote: unknown): void {
    quotes.push(quote);
  }
}

const ledgerSeen: string[] = [];
const auditSeen: Array<{ id: string; attempt: number | undefined }> = [];
const auditFailed = new Set<string>();

@Controller()
class LedgerController {
  @EventPattern(subjects.event('beta', 'Pinged'))
  onPinged(@Payload() event: RecordedEvent): void {
    ledgerSeen.push(event.id);
  }
}

@Controller()
class AuditController {
  @EventPattern(subjects.event('beta', 'Pinged'))
  onPinged(@Payload() event: RecordedEvent, @Ctx() context: BusContext): void {
    if (!auditFailed.has(event.id)) {
      auditFailed.add(event.id);
      throw new Error('audit store briefly unavailable');
    }
    auditSeen.push({ id: event.id, attempt: context.getDelivery()?.attempt });
  }
}

describe('createServiceApp over the in-process bus', () => {
  const bus = new InProcessBus({ requestTimeoutMs: 2_000 });
  let alpha: INestMicroservice;
  let beta: INestMicroservice;
  let client: BusClient;

  beforeAll(async () => {
    beta = await createServiceApp({ serviceName: 'beta', bus, controllers: [BetaController] });
    alpha = await createServiceApp({ serviceName: 'alpha', bus, controllers: [AlphaController, LedgerController, AuditController] });
    client = alpha.get(BusClient);
  });
  afterAll(async () => {
    await alpha.close();
    await beta.close();
    await bus.close();
    await telemetry.shutdown();
  });

  it('sends a command through the ClientProxy and gets the reply, in one trace', async () => {
    const root = telemetry.tracer.startSpan('alpha decides');
    const reply = await context.with(trace.setSpan(context.active(), root), () => firstValueFrom(client.send(ping, { text: 'hello' })));
    root.end();
    expect(reply).toEqual({ pong: 'hello', subject: ping });

    await waitFor(() => received.some(({ event }) => (event.data as { text: string }).text === 'hello'), { what: 'the Pinged event' });
    const delivered = received.find(({ event }) => (event.data as { text: string }).text === 'hello')!;
    expect(delivered.attempt).toBe(1);

    const traceId = root.spanContext().traceId;
    const spans = await waitFor(() => {
      const found = telemetry.finishedSpans().filter((span) => span.traceId === traceId);
      return found.some((span) => span.kind === 'consumer') ? found : undefined;
    }, { what: 'the consumer span' });
    const byKind = (kind: string) => spans.filter((span) => span.kind === kind);
    const [clientSpan] = byKind('client');
    const [serverSpan] = byKind('server');
    const [producerSpan] = byKind('producer');
    const [consumerSpan] = byKind('consumer');
    expect(clientSpan!.parentSpanId).toBe(root.spanContext().spanId);
    expect(serverSpan!.parentSpanId).toBe(clientSpan!.spanId);
    expect(producerSpan!.parentSpanId).toBe(serverSpan!.spanId);
    expect(consumerSpan!.parentSpanId).toBe(producerSpan!.spanId);
  });

  it("returns a handler's DomainError to the caller as a RemoteError with its code", async () => {
    const failure = await firstValueFrom(client.send(ping, { text: 'refuse' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RemoteError);
    expect((failure as RemoteError).remote).toMatchObject({ name: 'DomainError', code: 'PING_REFUSED' });
    expect((failure as Error).message).toBe(`beta failed ${ping}: PING_REFUSED: beta refuses to ping (DomainError)`);
  });

  it('times out a request with RequestTimeoutError naming the service and the subject', async () => {
    const failure = await client.request(stall, {}, { timeoutMs: 100 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RequestTimeoutError);
    expect((failure as Error).message).toBe(`beta did not reply to ${stall} within 100 ms`);
  });

  it('gives each handler of one event pattern its own consumer: a failing one is retried alone', async () => {
    await client.request(ping, { text: 'two handlers' });
    const pinged = await waitFor(() => received.find(({ event }) => (event.data as { text: string }).text === 'two handlers')?.event.id, { what: 'the event' });
    await waitFor(() => auditSeen.some(({ id }) => id === pinged), { timeoutMs: 5_000, what: "audit's retry" });
    expect(auditSeen.filter(({ id }) => id === pinged)).toEqual([{ id: pinged, attempt: 2 }]);
    expect(ledgerSeen.filter((id) => id === pinged)).toHaveLength(1);
  });

  it('emits market data as core messages and refuses to emit domain events', async () => {
    await firstValueFrom(client.emit(subjects.quote('AAPL'), { bid: '189.10' }), { defaultValue: undefined });
    await waitFor(() => quotes.length === 1, { what: 'the quote' });
    expect(quotes).toEqual([{ bid: '189.10' }]);
    await expect(firstValueFrom(client.emit(subjects.event('order', 'OrderPlaced'), {}))).rejects.toThrow('appended to the event store');
  });
});
