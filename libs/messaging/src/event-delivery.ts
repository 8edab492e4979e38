import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import type { RecordedEvent } from '@tollgate/contracts';
import { extractTraceContext, type Logger } from '@tollgate/telemetry';
import { DEFAULT_RETRY_DELAY_MS, type ConsumeEventsOptions, type EventDelivery, type ProcessedEventIds } from './bus';
import { RecentEventIds } from './processed-events';
import { inSpan, messagingAttributes, SpanKind } from './tracing';

export type DeliveryOutcome = 'handled' | 'duplicate' | 'failed';

/**
 * One delivery to a durable consumer, the same on both buses: skip ids already handled, run the handler in
 * a consumer span that continues the producer's trace, remember the id, and report what to tell the broker.
 */
export class EventDeliverer {
  readonly processed: ProcessedEventIds;
  readonly retryDelayMs: number;

  constructor(
    private readonly options: ConsumeEventsOptions,
    private readonly logger: Logger,
  ) {
    this.processed = options.processed ?? new RecentEventIds();
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  }

  /** Never throws: any failure (handler or the processed-ids store) is 'failed', and the broker redelivers. */
  async deliver(event: RecordedEvent, delivery: EventDelivery): Promise<DeliveryOutcome> {
    const parent = extractTraceContext(delivery.headers, ROOT_CONTEXT);
    try {
      if (await this.processed.has(event.id)) return 'duplicate';
      await inSpan(
        `process ${delivery.subject}`,
        SpanKind.CONSUMER,
        parent,
        messagingAttributes(delivery.subject, {
          'messaging.consumer.group.name': this.options.durableName,
          'messaging.message.id': event.id,
          'tollgate.event.type': event.type,
          'tollgate.event.position': event.position,
          'tollgate.delivery.attempt': delivery.attempt,
        }),
        async () => this.options.handler(event, delivery),
      );
      await this.processed.add(event.id);
    } catch (error) {
      if (this.options.onError) this.options.onError(error, event);
      else {
        context.with(parent, () =>
          this.logger.error(
            { err: error, consumer: this.options.durableName, eventId: event.id, eventType: event.type, attempt: delivery.attempt },
            `consumer ${this.options.durableName} failed on ${event.type} ${event.id}; redelivery in ${this.retryDelayMs} ms`,
          ),
        );
      }
      return 'failed';
    }
    return 'handled';
  }
}
