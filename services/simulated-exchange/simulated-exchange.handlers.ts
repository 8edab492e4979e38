import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { MarketClock } from '@tollgate/application';
import {
  BrokerUnavailableError,
  SIMULATED_EXCHANGE_STREAM_CATEGORY,
  streamName,
  type BarMessage,
  type BrokerAccount,
  type BrokerFill,
  type BrokerOrder,
  type BrokerPosition,
  type EventInput,
  type OrderRequest,
  type QuoteMessage,
  type ReplaceRequest,
  type SimulatedExchangeEvent,
} from '@tollgate/contracts';
import { nyseCalendar, type ExchangeCalendar } from '@tollgate/domain/calendar';
import type { Instrument } from '@tollgate/domain/instrument';
import { SimulatedBroker, type FillModel } from '@tollgate/domain/simulated-exchange';
import { WrongExpectedVersionError, type EventStore } from '@tollgate/event-store';
import { deterministicId, DomainError, type DecimalString } from '@tollgate/kernel';
import type { Bus } from '@tollgate/messaging';
import { InjectBus, InjectEventStore, InjectLogger } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { SIMULATED_BROKER_NAME, simulatedBrokerUpdatesSubject } from './simulated-exchange.commands';

export const SIMULATED_EXCHANGE_OPTIONS = Symbol('tollgate:simulated-exchange-options');

export interface SimulatedExchangeOptions {
  accountId: string;
  seed: number;
  /** Used when the account is opened; a resumed exchange keeps the settings it was opened with. */
  fillModel: Partial<FillModel>;
  instruments: readonly Instrument[];
  initialCash: DecimalString;
  /** Day orders expire at this calendar's session close. */
  calendar?: ExchangeCalendar;
}

const ACTOR = 'system:simulated-exchange';

/**
 * Hosts the simulated exchange (SimulatedBroker over the pure engine) in a service: its state is the
 * `simexchange-<accountId>` stream, read back at start so a restart loses no resting order; new events
 * are appended before any answer or update leaves (one write-behind queue: persist, then publish);
 * quotes and bars from the market-data subjects drive matching, and a session close expires DAY orders.
 *
 * One instance per account: the stream has one writer.
 */
@Injectable()
export class SimulatedExchangeHandlers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly clock = MarketClock.forMode('SIMULATED');
  private broker: SimulatedBroker | undefined;
  private readonly streamId: string;
  private version = 0;
  private pending: SimulatedExchangeEvent[] = [];
  /** Persist-then-publish, in order; never rejects (failures are retried or recorded in `failure`). */
  private outbox: Promise<void> = Promise.resolve();
  private failure: string | undefined;
  private closing = false;
  /** While opening: a store that refuses the first events fails the start instead of retrying forever. */
  private starting = true;
  private readonly calendar: ExchangeCalendar;
  private sessionClose: number | undefined;
  private markStarted: () => void = () => undefined;
  /** Resolves once the exchange has rebuilt its state and can take market data and orders. */
  readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectBus() private readonly bus: Bus,
    @InjectLogger() private readonly logger: Logger,
    @Inject(SIMULATED_EXCHANGE_OPTIONS) private readonly options: SimulatedExchangeOptions,
  ) {
    this.streamId = streamName(SIMULATED_EXCHANGE_STREAM_CATEGORY, options.accountId);
    this.calendar = options.calendar ?? nyseCalendar();
  }

  async onApplicationBootstrap(): Promise<void> {
    const history = await this.store.readStream(this.streamId);
    this.version = history.at(-1)?.streamVersion ?? 0;
    // The exchange resumes at the time it stopped, not at the wall clock: its orders carry market time.
    for (const event of history) this.clock.observe(event.occurredAt);
    this.broker = new SimulatedBroker({
      clock: this.clock,
      name: SIMULATED_BROKER_NAME,
      history: history.map((event) => ({ type: event.type, data: event.data }) as SimulatedExchangeEvent),
      accountId: this.options.accountId,
      seed: this.options.seed,
      fillModel: this.options.fillModel,
      instruments: this.options.instruments,
      initialCash: this.options.initialCash,
      onEvents: (events) => this.record(events),
    });
    this.broker.onUpdate((update) => this.enqueue(async () => this.bus.publish(simulatedBrokerUpdatesSubject, update)));
    await this.outbox;
    this.starting = false;
    if (this.failure) throw new Error(`the simulated exchange could not start: ${this.failure}`);
    this.markStarted();
    const open = this.broker.exchangeState.openOrderIds.length;
    this.logger.info({ accountId: this.options.accountId, events: this.version, openOrders: open }, `simulated exchange ${history.length ? 'resumed' : 'opened'} with ${open} resting orders`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.outbox;
    await this.broker?.close();
  }

  // ---- market data ----------------------------------------------------------------------------

  onQuote(quote: QuoteMessage): void {
    const broker = this.ready('onQuote');
    this.advanceTo(Date.parse(quote.timestamp));
    this.feed(() => broker.onQuote(quote), quote.symbol);
  }

  onBar(bar: BarMessage): void {
    const broker = this.ready('onBar');
    this.advanceTo(Date.parse(bar.timestamp));
    this.feed(() => broker.onBar(bar), bar.symbol);
  }

  // ---- the broker port, answered once what it decided is stored ---------------------------------

  submit(request: OrderRequest): Promise<BrokerOrder> {
    return this.settled('submit', (broker) => broker.submit(request));
  }

  cancel(clientOrderId: string): Promise<void> {
    return this.settled('cancel', (broker) => broker.cancel(clientOrderId));
  }

  replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder> {
    return this.settled('replace', (broker) => broker.replace(clientOrderId, changes));
  }

  getOrder(clientOrderId: string): Promise<BrokerOrder | null> {
    return this.settled('getOrder', (broker) => broker.getOrder(clientOrderId));
  }

  openOrders(): Promise<BrokerOrder[]> {
    return this.settled('openOrders', (broker) => broker.openOrders());
  }

  positions(): Promise<BrokerPosition[]> {
    return this.settled('positions', (broker) => broker.positions());
  }

  fillsSince(cursor: string | null): Promise<{ fills: BrokerFill[]; cursor: string | null }> {
    return this.settled('fillsSince', (broker) => broker.fillsSince(cursor));
  }

  account(): Promise<BrokerAccount> {
    return this.settled('account', (broker) => broker.account());
  }

  /** For tests and the status line: every event the exchange holds. */
  events(): readonly SimulatedExchangeEvent[] {
    return this.ready('events').events();
  }

  // ---- internals ------------------------------------------------------------------------------

  private ready(operation: string): SimulatedBroker {
    if (this.failure) throw new BrokerUnavailableError(SIMULATED_BROKER_NAME, operation, this.failure);
    if (!this.broker) throw new BrokerUnavailableError(SIMULATED_BROKER_NAME, operation, 'the simulated exchange has not started');
    return this.broker;
  }

  /** Runs a port operation, then waits until everything it decided is stored and published. */
  private async settled<T>(operation: string, work: (broker: SimulatedBroker) => Promise<T>): Promise<T> {
    const broker = this.ready(operation);
    let result: T;
    try {
      result = await work(broker);
    } finally {
      await this.outbox;
    }
    if (this.failure) throw new BrokerUnavailableError(SIMULATED_BROKER_NAME, operation, this.failure);
    return result;
  }

  /** Market data the engine refuses (it re-checks what the validator passed) is logged, never fatal. */
  private feed(work: () => void, symbol: string): void {
    try {
      work();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.warn({ err: error, symbol }, `simulated exchange ignored market data: ${error.message}`);
    }
  }

  /**
   * Moves the exchange's clock to a tick's time; crossing a session close first expires DAY orders
   * at the close. A tick stamped exactly at the close (the session's last bar) still belongs to it.
   */
  private advanceTo(time: number): void {
    if (!Number.isFinite(time)) return;
    if (this.sessionClose !== undefined && time > this.sessionClose) {
      this.clock.observe(this.sessionClose);
      this.sessionClose = undefined;
      this.feed(() => this.broker!.endSession(), '*');
    }
    this.clock.observe(time);
    if (this.sessionClose === undefined) this.sessionClose = this.sessionCloseAt(new Date(time));
  }

  private sessionCloseAt(instant: Date): number | undefined {
    try {
      return (this.calendar.sessionAt(instant) ?? this.calendar.session(instant))?.close.getTime();
    } catch {
      // Data outside the calendar's coverage: no sessions, so nothing expires by the calendar.
      return undefined;
    }
  }

  private record(events: readonly SimulatedExchangeEvent[]): void {
    this.pending.push(...events);
    this.enqueue(() => this.persistPending());
  }

  private enqueue(work: () => Promise<void>): void {
    this.outbox = this.outbox.then(work).catch((error: unknown) => {
      this.logger.error({ err: error }, 'simulated exchange outbox step failed');
    });
  }

  /** Appends everything decided so far in one batch; retries until stored, since the engine already moved on. */
  private async persistPending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    const inputs = batch.map((event, index): EventInput => this.inputFor(event, this.version + index + 1));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.store.append(this.streamId, this.version === 0 ? 'no-stream' : this.version, inputs);
        this.version += batch.length;
        return;
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          // Another process wrote this account's stream: the state here is no longer the truth.
          this.failure = `another writer changed ${this.streamId}; restart the simulated exchange`;
          this.logger.fatal({ err: error }, this.failure);
          return;
        }
        if ((this.closing || this.starting) && attempt >= 3) {
          this.failure = `events of ${this.streamId} could not be stored: ${error instanceof Error ? error.message : String(error)}`;
          this.logger.fatal({ err: error, events: batch.length }, this.failure);
          return;
        }
        this.logger.error({ err: error, attempt }, `simulated exchange could not store ${batch.length} events; retrying`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 5_000)));
      }
    }
  }

  private inputFor(event: SimulatedExchangeEvent, version: number): EventInput {
    const data = event.data as unknown as Record<string, unknown>;
    return {
      // One writer, expected versions: the version names the event, so a retried append is deduplicated.
      id: deterministicId('simexchange.event', this.streamId, version),
      type: event.type,
      data: event.data,
      metadata: { correlationId: typeof data.clientOrderId === 'string' ? data.clientOrderId : this.options.accountId, causationId: null, actor: ACTOR },
      occurredAt: occurredAtOf(data) ?? this.clock.now().toISOString(),
    };
  }
}

const TIME_FIELDS = ['receivedAt', 'rejectedAt', 'activatedAt', 'triggeredAt', 'filledAt', 'canceledAt', 'expiredAt', 'replacedAt', 'openedAt'] as const;

function occurredAtOf(data: Record<string, unknown>): string | undefined {
  for (const field of TIME_FIELDS) {
    const value = data[field];
    if (typeof value === 'string') return value;
  }
  return undefined;
}
