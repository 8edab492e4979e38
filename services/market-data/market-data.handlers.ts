import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { createMarketQuotesFor, type Environment, type TradingMode } from '@tollgate/brokers';
import { feedStreamId, marketDataStreamId, subjects, type EventInput, type MarketQuotePort } from '@tollgate/contracts';
import { nyseCalendar, type ExchangeCalendar } from '@tollgate/domain/calendar';
import {
  barRecordedData,
  barToMessage,
  describeRejection,
  marketEventTime,
  quoteToMessage,
  StaleFeedDetector,
  tickRejectedData,
  TickValidator,
  type Bar,
  type BarRow,
  type FeedHealthChange,
  type MarketEvent,
  type QuoteRow,
  type RawBar,
  type RawQuote,
  type ReplayScheduler,
  type TickRejection,
} from '@tollgate/domain/market-data';
import type { EventStore } from '@tollgate/event-store';
import { deterministicId } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import type { MarketDataStatus } from './market-data.commands';
import { MarketPacer } from './market-pacer';
import { brokerSource, csvSource, syntheticSource, type MarketSource, type TickBatch } from './market-sources';

type TickRow = { kind: 'quote'; row: QuoteRow } | { kind: 'bar'; row: BarRow };

export const MARKET_DATA_OPTIONS = Symbol('tollgate:market-data-options');

export interface MarketDataOptions {
  /** `synthetic`, the path of a CSV file of bars or quotes, or `broker` (the broker's market data, live). */
  source: string;
  /**
   * SANDBOX_PAPER and LIVE take their market data from the broker only: a replayed market's prices are not
   * the ones orders execute against, and its clock is not the broker's. Absent: SIMULATED.
   */
  mode?: TradingMode;
  dryRun?: boolean;
  /** The broker source: milliseconds between polls, and the length of the bars it builds from quotes. */
  pollMs?: number;
  barInterval?: string;
  /** The broker's market data; absent, it is built from the APCA_* variables in `env` through the C19 check. */
  marketQuotes?: () => MarketQuotePort;
  env?: Environment;
  speed: number | 'max';
  seed: number;
  symbols: readonly string[];
  /**
   * The synthetic market's first session (this date or the next trading day). Unset: the session of the
   * first synthetic bar already recorded (a restart continues the same market), else today in New York.
   */
  syntheticStart?: string;
  syntheticTradingDays: number;
  quotesPerBar: number;
  /** Market seconds without a tick, during the session, before the feed (or a symbol) is stale. */
  staleAfterSeconds: number;
  barBatchSize: number;
  barFlushIntervalMs: number;
  /** `TickRejected` events recorded per reason and symbol; further rejections are counted and logged only. */
  rejectionsRecordedPerKey: number;
  /** Skip the ticks an earlier run already replayed (up to its last recorded bar). */
  resume: boolean;
  calendar?: ExchangeCalendar;
  scheduler?: ReplayScheduler;
}

const ACTOR = 'system:market-data';
const DEFAULT_POLL_MS = 1_000;
/** At full speed, let timers and I/O run this often. */
const EVENTS_PER_YIELD = 512;

/**
 * The market-data feed: a source (synthetic by default, or a CSV) paced at the configured speed; every
 * tick through the TickValidator — a rejected tick is counted, logged with its reason and never
 * published; accepted quotes and bars published on `tollgate.md.*`; bars recorded as `BarRecorded`
 * (batched appends, ids derived from the bar so a replay records nothing twice); silence during the
 * session raises `MarketDataStale` (and `MarketDataResumed` when ticks flow again).
 */
@Injectable()
export class MarketDataFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly calendar: ExchangeCalendar;
  private readonly validator: TickValidator;
  private readonly pacer: MarketPacer;
  private source: MarketSource | undefined;
  private detector: StaleFeedDetector | undefined;
  private loop: Promise<void> = Promise.resolve();
  private staleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private sinceYield = 0;
  private readonly wakers = new Set<() => void>();
  private readonly stopLive = new AbortController();
  private pendingBars: Bar[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private writes: Promise<void> = Promise.resolve();
  private readonly recordedRejections = new Map<string, number>();
  private state: MarketDataStatus['state'] = 'starting';
  private failure: string | undefined;
  private published = { quotes: 0, bars: 0 };
  private barsRecorded = 0;
  private resumedAfter: number | null = null;
  private startedAt: Date | null = null;
  private endedAt: Date | null = null;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(MARKET_DATA_OPTIONS) private readonly options: MarketDataOptions,
  ) {
    this.calendar = options.calendar ?? nyseCalendar();
    this.validator = new TickValidator({ symbols: options.symbols });
    this.pacer = new MarketPacer(options.speed, this.calendar, options.scheduler ?? this.interruptibleScheduler());
  }

  async onApplicationBootstrap(): Promise<void> {
    const source = await this.createSource();
    this.source = source;
    if (this.options.resume && !source.live) this.resumedAfter = await this.lastRecordedBarTime(source.feed);
    this.logger.info(
      { feed: source.feed, speed: source.live ? 'live' : this.options.speed, symbols: this.options.symbols, resumedAfter: this.resumedAfter && new Date(this.resumedAfter).toISOString() },
      source.live
        ? `market data: ${source.feed}, live (latest quotes every ${this.options.pollMs ?? DEFAULT_POLL_MS} ms, ${source.barInterval} bars)`
        : `market data: ${source.feed} at ${this.options.speed === 'max' ? 'full speed' : `${this.options.speed}×`}`,
    );
    this.staleTimer = setInterval(() => this.checkStale(), 1_000);
    this.staleTimer.unref();
    this.flushTimer = setInterval(() => void this.flushBars(), this.options.barFlushIntervalMs);
    this.flushTimer.unref();
    this.loop = this.run(source);
  }

  private async createSource(): Promise<MarketSource> {
    const mode = this.options.mode ?? 'SIMULATED';
    if (this.options.source === 'broker') {
      if (mode === 'SIMULATED') throw new Error('TOLLGATE_MARKET_DATA=broker needs SANDBOX_PAPER or LIVE: a SIMULATED run has no broker to ask for quotes');
      const port = this.options.marketQuotes?.() ?? createMarketQuotesFor({ mode, dryRun: this.options.dryRun ?? false, env: this.options.env ?? process.env });
      return brokerSource({
        port,
        symbols: this.options.symbols,
        pollMs: this.options.pollMs ?? DEFAULT_POLL_MS,
        barInterval: this.options.barInterval ?? '1m',
        signal: this.stopLive.signal,
        onPollFailed: (error, consecutive) => {
          // Every failure while they are few, then one line in 60: a broker that is down would otherwise fill the log.
          if (consecutive <= 3 || consecutive % 60 === 0) {
            this.logger.warn({ err: error, feed: `broker:${port.name}`, consecutiveFailures: consecutive }, `market data: polling the broker's latest quotes failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      });
    }
    if (mode !== 'SIMULATED') {
      throw new Error(
        `TOLLGATE_MARKET_DATA=${this.options.source} is refused in ${mode}: its prices and clock are not the broker's; leave it unset (or set it to broker) to use the broker's market data`,
      );
    }
    return this.options.source === 'synthetic'
      ? syntheticSource(
            {
              seed: this.options.seed,
              symbols: this.options.symbols,
              start: this.options.syntheticStart ?? (await this.firstRecordedSession('synthetic')) ?? this.calendar.exchangeDate(new Date()),
              tradingDays: this.options.syntheticTradingDays,
              quotesPerBar: this.options.quotesPerBar,
            },
            this.calendar,
          )
      : csvSource(this.options.source);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stopLive.abort();
    for (const wake of this.wakers) wake();
    if (this.staleTimer) clearInterval(this.staleTimer);
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.loop;
    await this.flushBars();
    await this.writes;
    await this.source?.close?.();
  }

  status(): MarketDataStatus {
    const counts = this.validator.counts();
    const rejected = Object.fromEntries(Object.entries(counts.rejected).filter(([, count]) => count > 0));
    const live = this.source?.live ?? false;
    // A live feed runs at the market's own pace (1×), and its market time is the wall clock.
    const marketTime = live ? (this.pacer.marketNow() ? new Date() : null) : this.pacer.marketNow();
    return {
      feed: this.source?.feed ?? this.options.source,
      speed: live ? 1 : this.options.speed,
      marketTime: marketTime ? marketTime.toISOString() : null,
      state: this.state,
      ...(this.failure ? { failure: this.failure } : {}),
      published: { ...this.published },
      accepted: counts.accepted,
      rejected,
      barsRecorded: this.barsRecorded,
      stale: this.detector?.staleKeys().map((key) => key ?? '*') ?? [],
      resumedAfter: this.resumedAfter === null ? null : new Date(this.resumedAfter).toISOString(),
      startedAt: this.startedAt?.toISOString() ?? null,
      endedAt: this.endedAt?.toISOString() ?? null,
    };
  }

  /** Resolves when the source has been replayed to its end (or the feed stopped). */
  finished(): Promise<void> {
    return this.loop;
  }

  // ---- the feed -------------------------------------------------------------------------------

  private async run(source: MarketSource): Promise<void> {
    this.state = 'running';
    this.startedAt = new Date();
    try {
      // A live source arrives at the market's pace: pacing it would only delay it.
      const unpaced = this.pacer.unpaced || source.live;
      const batches = source.batches?.();
      if (batches) await this.runRows(batches, unpaced);
      else await this.runEvents(source.events(), unpaced);
      this.state = this.stopping ? 'stopped' : 'finished';
      if (!this.stopping) this.logger.info(this.status(), `market data: ${source.feed} reached its end`);
    } catch (error) {
      this.state = 'failed';
      this.failure = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, feed: source.feed }, `market data feed ${source.feed} stopped: ${this.failure}`);
    } finally {
      this.endedAt = new Date();
      await this.flushBars();
    }
  }

  private async runEvents(source: AsyncIterable<MarketEvent>, unpaced: boolean): Promise<void> {
    // Each layer of async iteration costs a few promises per tick: at full speed without a resume point there is none.
    const fresh = this.resumedAfter === null ? source : this.notReplayed(source);
    const events = unpaced ? fresh : this.pacer.pace(fresh, marketEventTime);
    for await (const event of events) {
      if (this.stopping) break;
      if (unpaced) this.pacer.observe(marketEventTime(event).getTime());
      this.handle(event);
      const pending = this.afterTick();
      if (pending) await pending;
    }
  }

  /**
   * A source's rows, batch by batch. At full speed a batch is handled in a plain loop — no promise per
   * tick, which with OpenTelemetry's async context costs more than the tick itself; paced, rows go one by
   * one through the pacer like events.
   */
  private async runRows(batches: AsyncIterable<TickBatch>, unpaced: boolean): Promise<void> {
    const after = this.resumedAfter;
    if (!unpaced) {
      for await (const tick of this.pacer.pace(this.rowsOf(batches, after), (tick) => tick.row.timestamp)) {
        if (this.stopping) break;
        this.handleRow(tick);
        const pending = this.afterTick();
        if (pending) await pending;
      }
      return;
    }
    for await (const batch of batches) {
      for (const row of batch.rows) {
        if (this.stopping) return;
        const time = row.timestamp.getTime();
        if (after !== null && time <= after) continue;
        this.pacer.observe(time);
        this.handleRow(batch.kind === 'quote' ? { kind: 'quote', row: row as QuoteRow } : { kind: 'bar', row: row as BarRow });
        const pending = this.afterTick();
        if (pending) await pending;
      }
    }
  }

  private async *rowsOf(batches: AsyncIterable<TickBatch>, after: number | null): AsyncGenerator<TickRow> {
    for await (const batch of batches) {
      for (const row of batch.rows) {
        if (after !== null && row.timestamp.getTime() <= after) continue;
        yield batch.kind === 'quote' ? { kind: 'quote', row: row as QuoteRow } : { kind: 'bar', row: row as BarRow };
      }
    }
  }

  /**
   * Records a full batch of bars, and lets timers and I/O run every `EVENTS_PER_YIELD` ticks; otherwise
   * `undefined`, which callers do not await: even `await undefined` costs a promise and a microtask turn.
   */
  private afterTick(): Promise<void> | undefined {
    if (this.pendingBars.length >= this.options.barBatchSize) return this.flushBars();
    if (++this.sinceYield < EVENTS_PER_YIELD) return undefined;
    this.sinceYield = 0;
    return new Promise((resolve) => setImmediate(resolve));
  }

  private async *notReplayed(events: AsyncIterable<MarketEvent>): AsyncGenerator<MarketEvent> {
    const after = this.resumedAfter;
    for await (const event of events) {
      if (after !== null && marketEventTime(event).getTime() <= after) continue;
      yield event;
    }
  }

  private handleRow(tick: TickRow): void {
    if (tick.kind === 'bar') {
      // Bars are few beside quotes (and each is recorded): they take the validator's general path.
      const verdict = this.validator.validateBar(tick.row);
      if (!verdict.accepted) return this.rejected('bar', tick.row, verdict);
      return this.publishBar(verdict.tick);
    }
    const { row } = tick;
    const verdict = this.validator.validateQuoteText(row);
    if (!verdict.accepted) return this.rejected('quote', row, verdict);
    this.bus.publish(subjects.quote(row.symbol), verdict.tick);
    this.published.quotes += 1;
    this.tickSeen(row.symbol, row.timestamp);
  }

  private handle(event: MarketEvent): void {
    if (event.kind === 'quote') {
      const verdict = this.validator.validateQuote(event.quote);
      if (!verdict.accepted) return this.rejected('quote', event.quote, verdict);
      this.bus.publish(subjects.quote(verdict.tick.symbol), quoteToMessage(verdict.tick));
      this.published.quotes += 1;
      this.tickSeen(verdict.tick.symbol, verdict.tick.timestamp);
      return;
    }
    const verdict = this.validator.validateBar(event.bar);
    if (!verdict.accepted) return this.rejected('bar', event.bar, verdict);
    this.publishBar(verdict.tick);
  }

  private publishBar(bar: Bar): void {
    this.bus.publish(subjects.bar(bar.symbol), barToMessage(bar));
    this.published.bars += 1;
    this.pendingBars.push(bar);
    this.tickSeen(bar.symbol, bar.timestamp);
  }

  private tickSeen(symbol: string, at: Date): void {
    // Watching starts at the first tick: before it the feed's market time is unknown.
    this.detector ??= new StaleFeedDetector({
      feed: this.source!.feed,
      calendar: this.calendar,
      staleAfterSeconds: this.options.staleAfterSeconds,
      symbols: this.options.symbols,
      // A live feed's first quotes may be old (a quiet symbol): silence counts from when watching began.
      startedAt: this.source!.live ? new Date() : at,
    });
    const changes = this.detector.recordTick(symbol, at);
    if (changes.length > 0) this.recordHealth(changes);
  }

  private rejected(kind: 'quote' | 'bar', raw: RawQuote | RawBar, rejection: TickRejection): void {
    const key = `${rejection.reason}:${String(raw.symbol)}`;
    const seen = (this.recordedRejections.get(key) ?? 0) + 1;
    this.recordedRejections.set(key, seen);
    // The first few of a kind are logged and recorded; after that one line per thousand, and the counts.
    if (seen <= this.options.rejectionsRecordedPerKey || seen % 1_000 === 0) {
      this.logger.warn({ kind, symbol: raw.symbol, reason: rejection.reason, detail: rejection.detail, occurrences: seen }, `rejected ${kind}: ${describeRejection(rejection)}`);
    }
    if (seen > this.options.rejectionsRecordedPerKey) return;
    const data = tickRejectedData(this.source!.feed, kind, raw, rejection);
    this.write(feedStreamId(this.source!.feed), [
      {
        id: deterministicId('TickRejected', this.source!.feed, kind, data.symbol, data.timestamp ?? '', data.reason, seen),
        type: 'TickRejected',
        data,
        metadata: { correlationId: this.source!.feed, causationId: null, actor: ACTOR },
        occurredAt: this.pacer.marketNow()?.toISOString() ?? new Date().toISOString(),
      },
    ]);
  }

  private checkStale(): void {
    // A live feed's silence is measured on the wall clock; a replay's on its own market clock.
    const now = this.source?.live ? (this.detector ? new Date() : null) : this.pacer.marketNow();
    if (!now || !this.detector) return;
    try {
      const changes = this.detector.check(now);
      if (changes.length > 0) this.recordHealth(changes);
    } catch (error) {
      this.logger.warn({ err: error }, 'stale-feed check failed');
    }
  }

  private recordHealth(changes: FeedHealthChange[]): void {
    const feed = this.source!.feed;
    for (const change of changes) {
      const what = change.data.symbol ?? 'the whole feed';
      if (change.type === 'MarketDataStale') this.logger.warn(change.data, `market data is stale: ${what} sent nothing for ${change.data.staleAfterSeconds} s of market time`);
      else this.logger.info(change.data, `market data resumed: ${what}`);
    }
    this.write(
      feedStreamId(feed),
      changes.map((change) => ({
        id: deterministicId('feed-health', feed, change.type, change.data.symbol ?? '*', change.occurredAt),
        type: change.type,
        data: change.data,
        metadata: { correlationId: feed, causationId: null, actor: ACTOR },
        occurredAt: change.occurredAt,
      })),
    );
  }

  /** Appends in order, in the background; a failure is logged (health events are also in the logs). */
  private write(streamId: string, events: EventInput[]): void {
    this.writes = this.writes
      .then(() => this.store.append(streamId, 'any', events))
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error, streamId, events: events.length }, `market data could not record ${events.map((event) => event.type).join(', ')}`),
      );
  }

  // ---- recording bars -------------------------------------------------------------------------

  private flushBars(): Promise<void> {
    if (this.pendingBars.length === 0) return this.flushing;
    const bars = this.pendingBars.splice(0);
    this.flushing = this.flushing.then(() => this.recordBars(bars));
    return this.flushing;
  }

  private async recordBars(bars: Bar[]): Promise<void> {
    const feed = this.source!.feed;
    const bySymbol = new Map<string, EventInput[]>();
    for (const bar of bars) {
      const timestamp = bar.timestamp.toISOString();
      const inputs = bySymbol.get(bar.symbol) ?? [];
      inputs.push({
        // Derived from the bar, so replaying the same market records nothing twice.
        id: deterministicId('BarRecorded', feed, bar.symbol, timestamp),
        type: 'BarRecorded',
        data: barRecordedData(bar, { source: feed, interval: this.source!.barInterval }),
        metadata: { correlationId: feed, causationId: null, actor: ACTOR },
        occurredAt: timestamp,
      });
      bySymbol.set(bar.symbol, inputs);
    }
    await Promise.all(
      [...bySymbol].map(async ([symbol, inputs]) => {
        for (let attempt = 1; ; attempt += 1) {
          try {
            await this.store.append(marketDataStreamId(symbol), 'any', inputs);
            this.barsRecorded += inputs.length;
            return;
          } catch (error) {
            if (attempt >= 5) {
              this.logger.error({ err: error, symbol, bars: inputs.length }, `market data could not record ${inputs.length} bars of ${symbol}`);
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          }
        }
      }),
    );
  }

  /** The earliest of the symbols' last recorded bars from this feed: where a restarted replay picks up. */
  private async lastRecordedBarTime(feed: string): Promise<number | null> {
    let earliest: number | null = null;
    for (const symbol of this.options.symbols) {
      const [last] = await this.store.readStream(marketDataStreamId(symbol), { direction: 'backward', maxCount: 1 });
      if (!last || (last.data as { source?: string }).source !== feed) continue;
      const time = Date.parse((last.data as { timestamp: string }).timestamp);
      earliest = earliest === null ? time : Math.min(earliest, time);
    }
    return earliest;
  }

  /** The session date of the first bar this feed recorded, if it recorded any. */
  private async firstRecordedSession(feed: string): Promise<string | null> {
    for (const symbol of this.options.symbols) {
      const [first] = await this.store.readStream(marketDataStreamId(symbol), { maxCount: 1 });
      if (first && (first.data as { source?: string }).source === feed) return this.calendar.exchangeDate(new Date((first.data as { timestamp: string }).timestamp));
    }
    return null;
  }

  /** Real time, but a shutdown wakes a replay that is waiting for its next tick. */
  private interruptibleScheduler(): ReplayScheduler {
    return {
      now: () => new Date(),
      sleep: (milliseconds) =>
        new Promise<void>((resolve) => {
          if (this.stopping) return resolve();
          const wake = () => {
            clearTimeout(timer);
            this.wakers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, milliseconds);
          this.wakers.add(wake);
        }),
    };
  }
}
