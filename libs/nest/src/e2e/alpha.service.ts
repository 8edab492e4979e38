/**
 * E2E fixture, process 1: the "alpha" service consumes beta's events (durable JetStream consumer) and, once
 * up, sends beta a command through its ClientProxy inside a root span.
 */
import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { subjects, type RecordedEvent } from '@tollgate/contracts';
import { currentTelemetry, currentTraceId } from '@tollgate/telemetry';
import { firstValueFrom } from 'rxjs';
import { BusClient, BusContext, createServiceApp } from '../index';
import { pingSubject, report } from './report';

@Controller()
class AlphaController {
  @EventPattern(subjects.eventsOfCategory('beta'))
  onBetaEvent(@Payload() event: RecordedEvent, @Ctx() context: BusContext): void {
    report({ event: { id: event.id, type: event.type, subject: context.getSubject(), attempt: context.getDelivery()?.attempt }, traceId: currentTraceId() });
  }
}

async function main(): Promise<void> {
  const app = await createServiceApp({ serviceName: 'alpha', controllers: [AlphaController] });
  process.once('SIGTERM', () => {
    void (async () => {
      await app.close();
      await currentTelemetry()?.shutdown();
      process.exit(0);
    })();
  });
  const client = app.get(BusClient);
  const telemetry = currentTelemetry()!;
  await telemetry.tracer.startActiveSpan('alpha places order', async (span) => {
    try {
      const reply = await firstValueFrom(client.send(pingSubject, { orderId: randomUUID(), text: 'hello' }));
      report({ reply, traceId: span.spanContext().traceId, rootSpanId: span.spanContext().spanId });
    } finally {
      span.end();
    }
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`alpha: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
