import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { parseInput } from '@tollgate/application';
import type { RecordedEvent } from '@tollgate/contracts';
import type { EventStore } from '@tollgate/event-store';
import { InjectEventStore } from '@tollgate/nest';
import type { Response } from 'express';
import { EventStreams } from './event-streams';
import { eventStreamQuery, eventsQuery } from './gateway.requests';

export interface EventPage {
  events: RecordedEvent[];
  /** Pass as `after` for the next page. */
  next: number;
  /** The store's head position when the page was read. */
  head: number;
}

@Controller('api/events')
export class EventsController {
  constructor(
    @InjectEventStore() private readonly store: EventStore,
    private readonly streams: EventStreams,
  ) {}

  /** Events with position > after, oldest first, at most `limit` (default 100). */
  @Get()
  async page(@Query() query: unknown): Promise<EventPage> {
    const { after = 0, limit = 100 } = parseInput(eventsQuery, query, 'events query');
    const [events, head] = await Promise.all([this.store.readAll({ after, maxCount: limit }), this.store.headPosition()]);
    return { events, next: events.at(-1)?.position ?? after, head };
  }

  /**
   * Server-Sent Events: each event as JSON with its position as the id. Starts after `Last-Event-ID`
   * (a reconnecting browser), else after `?after=N`, else at the head (new events only).
   */
  @Get('stream')
  async stream(@Query() query: unknown, @Headers('last-event-id') lastEventId: string | undefined, @Res() response: Response): Promise<void> {
    const { after } = parseInput(eventStreamQuery, lastEventId?.trim() ? { ...(query as object), after: lastEventId.trim() } : query, 'event stream query');
    await this.streams.start(response, after);
  }
}
