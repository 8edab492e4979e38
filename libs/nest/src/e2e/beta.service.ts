/**
 * E2E fixture, process 2: the "beta" service answers `tollgate.cmd.beta.ping`, appends an event to its own
 * event store (PGlite in memory) with the request's trace context, and relays committed events to NATS.
 */
import { randomUUID } from 'node:crypto';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { EventStore } from '@tollgate/event-store';
import { currentTelemetry, traceMetadata, type Logger } from '@tollgate/telemetry';
import { createServiceApp, InjectEventStore, InjectLogger } from '../index';
import { pingSubject, report } from './report';

@Controller()
class BetaController {
  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  @MessagePattern(pingSubject)
  async ping(@Payload() body: { orderId: string; text: string }): Promise<{ pong: string; eventId: string }> {
    const eventId = randomUUID();
    await this.store.append(`beta-${body.orderId}`, 'no-stream', [
      {
        id: eventId,
        type: 'OperatorNote',
        data: { text: `pinged: ${body.text}` },
        metadata: { correlationId: body.orderId, causationId: null, actor: 'system:beta', ...traceMetadata() },
        occurredAt: new Date().toISOString(),
      },
    ]);
    this.logger.info({ orderId: body.orderId, eventId }, 'ping recorded');
    return { pong: body.text, eventId };
  }
}

async function main(): Promise<void> {
  const app = await createServiceApp({
    serviceName: 'beta',
    controllers: [BetaController],
    eventStore: { dataDir: 'memory://' },
    relay: true,
  });
  report({ ready: 'beta' });
  process.once('SIGTERM', () => {
    void (async () => {
      await app.close();
      await currentTelemetry()?.shutdown();
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`beta: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
