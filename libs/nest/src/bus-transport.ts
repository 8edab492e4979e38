import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { subjects, type RecordedEvent } from '@tollgate/contracts';
import type { Bus, BusSubscription } from '@tollgate/messaging';
import { lastValueFrom } from 'rxjs';
import { BusContext } from './bus-context';

/** Options a handler can pass as `extras`: `@EventPattern(subject, { durable: 'ledger-orders' })`. */
export interface BusHandlerExtras {
  /** Domain events: the durable consumer name. Default `<service>__<subject as a name>`. */
  durable?: string;
  /** Domain events: where a new durable consumer starts. Default 'all'. */
  deliverFrom?: 'all' | 'new';
  /** Queue group. Requests default to the service name (instances share the load); core events to none. */
  queue?: string;
}

const EVENT_PREFIX = subjects.allEvents.slice(0, -1);

/**
 * A Nest microservice transport over the Tollgate Bus, so `@MessagePattern` and `@EventPattern` handlers run
 * the same on NATS and on the in-process bus. The subject decides the delivery:
 * - `@MessagePattern(subject)` answers requests (request/reply, queue group = the service);
 * - `@EventPattern('tollgate.evt.…')` is a durable JetStream consumer (at-least-once, deduped by event id),
 *   one per handler (a second handler of the same pattern gets `<name>_2`, or name it with `extras.durable`);
 * - `@EventPattern(any other subject)` is a core subscription (market data).
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  private readonly subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly serviceName: string,
  ) {
    super();
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) this.subscriptions.push(...(await this.bind(pattern, handler)));
      callback();
    } catch (error) {
      await this.close();
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((subscription) => subscription.close()));
  }

  on(): void {
    // The bus reports its own status through logs; Nest's status events are not used.
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private async bind(pattern: string, handler: MessageHandler): Promise<BusSubscription[]> {
    if (!handler.isEventHandler) {
      const extras = (handler.extras ?? {}) as BusHandlerExtras;
      const queue = extras.queue ?? this.serviceName;
      return [await this.bus.reply(pattern, (payload, message) => this.answer(handler, payload, new BusContext([message.subject, message.headers, undefined])), { queue })];
    }
    // Nest chains every handler of one pattern; each gets its own consumer, so one handler's failure and
    // redelivery never replays the event to the others.
    const chain: MessageHandler[] = [];
    for (let current: MessageHandler | undefined = handler; current; current = current.next) chain.push(current);
    // Nest's event handler calls its `next` itself (forkJoin); detached, each runs alone on its own consumer.
    for (const one of chain) delete one.next;
    return Promise.all(chain.map((one, index) => this.bindEventHandler(pattern, one, index)));
  }

  private bindEventHandler(pattern: string, handler: MessageHandler, index: number): Promise<BusSubscription> {
    const extras = (handler.extras ?? {}) as BusHandlerExtras;
    if (pattern.startsWith(EVENT_PREFIX)) {
      const durableName = extras.durable ?? `${durableNameFor(this.serviceName, pattern)}${index === 0 ? '' : `_${index + 1}`}`;
      return this.bus.consumeEvents({
        durableName,
        subjects: pattern,
        ...(extras.deliverFrom ? { deliverFrom: extras.deliverFrom } : {}),
        handler: (event: RecordedEvent, delivery) => this.notify(handler, event, new BusContext([delivery.subject, delivery.headers, delivery])),
      });
    }
    return this.bus.subscribe(pattern, (payload, message) => this.notify(handler, payload, new BusContext([message.subject, message.headers, undefined])), {
      ...(extras.queue ? { queue: extras.queue } : {}),
    });
  }

  private async answer(handler: MessageHandler, payload: unknown, context: BusContext): Promise<unknown> {
    return lastValueFrom(this.transformToObservable(await handler(payload, context)), { defaultValue: undefined });
  }

  /** A failure fails the delivery, so the bus redelivers the event to this handler. */
  private async notify(handler: MessageHandler, payload: unknown, context: BusContext): Promise<void> {
    try {
      await lastValueFrom(this.transformToObservable(await handler(payload, context)), { defaultValue: undefined });
    } catch (error) {
      throw error instanceof Error ? error : Object.assign(new Error(describe(error)), error as object);
    }
  }
}

/** `ledger` + `tollgate.evt.order.*` → `ledger__tollgate_evt_order_any`. */
export function durableNameFor(serviceName: string, pattern: string): string {
  return `${serviceName}__${pattern.replace(/\./g, '_').replace(/\*/g, 'any').replace(/>/g, 'all')}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
