import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { RecordedEvent } from '@tollgate/contracts';
import type { EventStore, Subscription } from '@tollgate/event-store';
import { InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import type { Response } from 'express';
import { GatewayHttpError } from './gateway.errors';
import { GATEWAY_OPTIONS, type GatewayOptions } from './gateway.options';

interface OpenStream {
  subscription: Subscription;
  response: Response;
  heartbeat: NodeJS.Timeout;
}

/**
 * Server-Sent Events of the store's events. Each stream follows the store from its own position (history
 * first, then live), so a browser that reconnects with `Last-Event-ID` misses nothing; a slow reader
 * slows only its own stream.
 */
@Injectable()
export class EventStreams implements OnApplicationShutdown {
  private readonly open = new Set<OpenStream>();

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectLogger() private readonly logger: Logger,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Streams events after `after` (default: the head, so only new events) until the client goes away. */
  async start(response: Response, after: number | undefined): Promise<void> {
    if (this.open.size >= this.options.maxEventStreams) {
      throw new GatewayHttpError(503, `too many event streams are open (${this.options.maxEventStreams}); close a dashboard tab and retry`);
    }
    const from = after ?? (await this.store.headPosition());
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    // The browser reconnects after this many ms; `from` tells a client where a fresh stream started.
    response.write(`retry: 2000\n: streaming events after position ${from}\n\n`);

    const subscription = this.store.subscribeAll({
      after: from,
      handler: async (event) => {
        if (response.writableEnded || response.destroyed) return;
        if (!response.write(frame(event))) await drainedOrClosed(response);
      },
      onError: (error) => this.logger.warn({ err: error }, 'an event stream could not read the store; it retries'),
    });
    const stream: OpenStream = {
      subscription,
      response,
      heartbeat: setInterval(() => response.write(': keep-alive\n\n'), this.options.streamHeartbeatMs),
    };
    this.open.add(stream);
    // The response closes when the client goes away (a request's own 'close' only says its body was read).
    response.on('close', () => void this.stop(stream));
    if (response.destroyed) await this.stop(stream);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.open].map((stream) => this.stop(stream)));
  }

  private async stop(stream: OpenStream): Promise<void> {
    if (!this.open.delete(stream)) return;
    clearInterval(stream.heartbeat);
    if (!stream.response.writableEnded) stream.response.end();
    // A reader that stopped reading would keep its handler waiting for 'drain' forever.
    if (stream.response.writableNeedDrain) stream.response.destroy();
    await stream.subscription.stop();
  }
}

/** One SSE message: the event's global position as its id (what `Last-Event-ID` brings back), the event as JSON. */
function frame(event: RecordedEvent): string {
  return `id: ${event.position}\ndata: ${JSON.stringify(event)}\n\n`;
}

function drainedOrClosed(response: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}
