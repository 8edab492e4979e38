import { dec, decString, Decimal, DomainError, type Clock, type DecimalString } from '@tollgate/kernel';
import {
  BrokerRejectedError,
  BrokerUnavailableError,
  type BrokerAccount,
  type BrokerFill,
  type BrokerOrder,
  type BrokerPort,
  type BrokerPosition,
  type BrokerUpdate,
  type OrderRequest,
  type ReplaceRequest,
  type SimulatedExchangeEvent,
} from '@tollgate/contracts';
import { defaultInstruments, type Instrument } from '../instrument';
import { applyMark, brokerPositions, ledgerTotals } from '../ledger';
import { decideExchange, SimulatedExchangeRejection, type SimulatedExchangeCommand } from './exchange.decide';
import {
  evolveExchange,
  fillFromEvent,
  initialExchangeState,
  toBrokerFill,
  toBrokerOrder,
  type OpenSimulatedExchange,
  type SimulatedExchangeState,
  type SimulatedFill,
} from './exchange.state';
import { fillModelWith, type FillModel } from './fill-model';
import { emptyMarketView, observeBar, observeQuote, parseBar, parseQuote, takeFromStandingQuote, type MarketView, type SimulatedBar, type SimulatedQuote } from './market';

export interface SimulatedBrokerOptions {
  clock: Clock;
  /** Used only when there is no history: a rebuilt exchange keeps the settings it was opened with. */
  accountId?: string;
  currency?: string;
  initialCash?: DecimalString;
  seed?: number;
  fillModel?: Partial<FillModel>;
  /** The symbols it trades and their rules; an empty list accepts any symbol with a cent tick and whole shares. */
  instruments?: readonly Instrument[];
  /** Events recorded by an earlier run: the exchange resumes exactly where it stopped. */
  history?: readonly SimulatedExchangeEvent[];
  /**
   * Called with every new batch of events before the state moves on and before any update is
   * published; persist them here. If it throws, the operation fails and nothing changes.
   */
  onEvents?: (events: readonly SimulatedExchangeEvent[]) => void;
  name?: string;
}

/**
 * The simulated exchange behind the broker port: an in-memory adapter over the pure engine
 * (`decideExchange` / `evolveExchange`). Feed it market data with `onQuote` / `onBar`, close a
 * session with `endSession`; time comes from the injected clock. Everything it decides is an event,
 * so `new SimulatedBroker({ clock, history })` rebuilds every resting order, fill and position.
 */
export class SimulatedBroker implements BrokerPort {
  readonly name: string;
  private state: SimulatedExchangeState = initialExchangeState;
  private market: MarketView = emptyMarketView;
  private readonly fills: SimulatedFill[] = [];
  private readonly recorded: SimulatedExchangeEvent[] = [];
  private readonly listeners = new Set<(update: BrokerUpdate) => void>();
  private readonly clock: Clock;
  private readonly onEvents?: (events: readonly SimulatedExchangeEvent[]) => void;
  private closed = false;

  constructor(options: SimulatedBrokerOptions) {
    this.clock = options.clock;
    this.onEvents = options.onEvents;
    this.name = options.name ?? 'simulated';
    for (const event of options.history ?? []) this.apply(event);
    if (this.state.status === 'NotOpened') {
      this.execute({
        type: 'OpenAccount',
        data: {
          accountId: options.accountId ?? 'SIM',
          currency: options.currency ?? 'USD',
          initialCash: options.initialCash ?? '100000',
          seed: options.seed ?? 1,
          fillModel: fillModelWith(options.fillModel),
          instruments: options.instruments ?? defaultInstruments,
        },
        metadata: { now: this.clock.now() },
      });
    }
  }

  /** Every event this exchange holds, oldest first (history included). */
  events(): readonly SimulatedExchangeEvent[] {
    return this.recorded;
  }

  get exchangeState(): OpenSimulatedExchange {
    return this.open();
  }

  // ---- Market data and time ------------------------------------------------------------------

  /** A new quote: orders due by its time first see the standing quote, then all due orders match this one. */
  onQuote(input: SimulatedQuote): void {
    this.ensureNotClosed('onQuote');
    const quote = parseQuote(input);
    this.activateDueOrders(new Date(quote.at));
    this.market = observeQuote(this.market, quote);
    this.executeAgainstQuote({ type: 'MatchQuote', data: { quote: this.market.quotes[quote.symbol]! }, metadata: { now: new Date(quote.at) } });
  }

  /** A bar, stamped at its close: orders that were active when it opened match against it. */
  onBar(input: SimulatedBar): void {
    this.ensureNotClosed('onBar');
    const bar = parseBar(input);
    this.activateDueOrders(new Date(bar.at));
    const openedAt = this.market.barClosedAt[bar.symbol];
    this.execute({ type: 'MatchBar', data: { bar, ...(openedAt ? { openedAt } : {}) }, metadata: { now: new Date(bar.at) } });
    this.market = observeBar(this.market, bar);
  }

  /** Lets orders whose latency has elapsed by the clock's time match the standing quotes. */
  advance(): void {
    this.ensureNotClosed('advance');
    this.activateDueOrders(this.clock.now());
  }

  /** The session closed: DAY orders expire. */
  endSession(): void {
    this.ensureNotClosed('endSession');
    this.advance();
    this.execute({ type: 'EndSession', data: {}, metadata: { now: this.clock.now() } });
  }

  // ---- The broker port -----------------------------------------------------------------------

  async submit(order: OrderRequest): Promise<BrokerOrder> {
    this.advance();
    const events = this.command('submit', { type: 'SubmitOrder', data: { request: order }, metadata: { now: this.clock.now() } });
    const answer = this.order(order.clientOrderId)!;
    const rejection = events.find((event) => event.type === 'SimulatedOrderRejected');
    if (rejection) throw new BrokerRejectedError(this.name, 'submit', answer.rejectReason ?? 'rejected');
    // Latency zero: it may match the standing quote straight away (after the acknowledgement).
    this.advance();
    return answer;
  }

  async cancel(clientOrderId: string): Promise<void> {
    this.advance();
    this.command('cancel', { type: 'CancelOrder', data: { clientOrderId }, metadata: { now: this.clock.now() } });
  }

  async replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder> {
    this.advance();
    this.command('replace', { type: 'ReplaceOrder', data: { clientOrderId, changes }, metadata: { now: this.clock.now() } });
    const answer = this.order(changes.newClientOrderId)!;
    this.advance();
    return answer;
  }

  async getOrder(clientOrderId: string): Promise<BrokerOrder | null> {
    this.advance();
    return this.order(clientOrderId);
  }

  async openOrders(): Promise<BrokerOrder[]> {
    this.advance();
    const state = this.open();
    return state.openOrderIds.map((id) => toBrokerOrder(state.orders[id]!));
  }

  async positions(): Promise<BrokerPosition[]> {
    this.advance();
    return brokerPositions(this.open().ledger);
  }

  async fillsSince(cursor: string | null): Promise<{ fills: BrokerFill[]; cursor: string | null }> {
    this.advance();
    const after = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0) throw new BrokerRejectedError(this.name, 'fillsSince', `cursor ${JSON.stringify(cursor)} is not one this broker issued`);
    const fills = this.fills.slice(after).map(toBrokerFill);
    return { fills, cursor: fills.length > 0 ? String(after + fills.length) : cursor };
  }

  async account(): Promise<BrokerAccount> {
    this.advance();
    const state = this.open();
    let ledger = state.ledger;
    const now = this.clock.now().toISOString();
    for (const [symbol, price] of Object.entries(this.market.lastPrices)) ledger = applyMark(ledger, { symbol, price, at: now });
    const totals = ledgerTotals(ledger);
    return {
      accountId: state.account.accountId,
      currency: state.account.currency,
      cash: decString(totals.cash),
      equity: decString(totals.equity),
      // No leverage: what the account is worth is what it can buy.
      buyingPower: decString(Decimal.max(totals.equity, dec('0'))),
    };
  }

  onUpdate(listener: (update: BrokerUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }

  // ---- Internals -----------------------------------------------------------------------------

  private open(): OpenSimulatedExchange {
    if (this.state.status !== 'Open') throw new DomainError('SIMULATED_EXCHANGE_NOT_OPEN', 'the simulated exchange has no account');
    return this.state;
  }

  private order(clientOrderId: string): BrokerOrder | null {
    const order = this.open().orders[clientOrderId];
    return order ? toBrokerOrder(order) : null;
  }

  private ensureNotClosed(operation: string): void {
    if (this.closed) throw new BrokerUnavailableError(this.name, operation, 'the simulated broker was closed');
  }

  /** A port operation: the venue's refusals become BrokerRejectedError. */
  private command(operation: string, command: SimulatedExchangeCommand): SimulatedExchangeEvent[] {
    this.ensureNotClosed(operation);
    try {
      return this.execute(command);
    } catch (error) {
      if (error instanceof SimulatedExchangeRejection) throw new BrokerRejectedError(this.name, operation, error.reason);
      throw error;
    }
  }

  private activateDueOrders(now: Date): void {
    this.executeAgainstQuote({ type: 'ActivateDueOrders', data: { market: this.market }, metadata: { now } });
  }

  /** Runs a decision against standing quotes and records what its fills took from them. */
  private executeAgainstQuote(command: SimulatedExchangeCommand): void {
    for (const event of this.execute(command)) {
      if (event.type === 'SimulatedOrderFilled') {
        this.market = takeFromStandingQuote(this.market, event.data.symbol, event.data.side, dec(event.data.quantity));
      }
    }
  }

  private execute(command: SimulatedExchangeCommand): SimulatedExchangeEvent[] {
    const events = decideExchange(command, this.state);
    if (events.length === 0) return events;
    this.onEvents?.(events);
    const updates: Array<() => BrokerUpdate> = [];
    for (const event of events) {
      this.apply(event);
      const update = this.listeners.size > 0 ? this.updateFor(event) : undefined;
      if (update) updates.push(update);
    }
    this.publish(updates);
    return events;
  }

  private apply(event: SimulatedExchangeEvent): void {
    this.state = evolveExchange(this.state, event);
    this.recorded.push(event);
    if (event.type === 'SimulatedOrderFilled') this.fills.push(fillFromEvent(event.data));
  }

  /** The update for one event, with the order as it stood right after that event. */
  private updateFor(event: SimulatedExchangeEvent): (() => BrokerUpdate) | undefined {
    const orders = this.open().orders;
    const snapshot = (clientOrderId: string) => toBrokerOrder(orders[clientOrderId]!);
    switch (event.type) {
      case 'SimulatedOrderAccepted': {
        // A replacement is announced by the `replaced` update of the order it replaces.
        if (event.data.replaces) return undefined;
        const order = snapshot(event.data.clientOrderId);
        return () => ({ kind: 'accepted', order });
      }
      case 'SimulatedOrderRejected': {
        const order = snapshot(event.data.clientOrderId);
        return () => ({ kind: 'rejected', order, reason: event.data.reason });
      }
      case 'SimulatedOrderFilled': {
        const order = snapshot(event.data.clientOrderId);
        return () => ({ kind: 'fill', order, fill: toBrokerFill(fillFromEvent(event.data)) });
      }
      case 'SimulatedOrderCanceled': {
        const order = snapshot(event.data.clientOrderId);
        return () => ({ kind: 'canceled', order });
      }
      case 'SimulatedOrderExpired': {
        const order = snapshot(event.data.clientOrderId);
        return () => ({ kind: 'expired', order });
      }
      case 'SimulatedOrderReplaced': {
        const order = snapshot(event.data.clientOrderId);
        // The replacement is accepted by the next event of the same batch.
        return () => ({ kind: 'replaced', order, replacedBy: toBrokerOrder(this.open().orders[event.data.replacedBy]!) });
      }
      default:
        return undefined;
    }
  }

  private publish(updates: Array<() => BrokerUpdate>): void {
    const listeners = [...this.listeners];
    let failure: unknown;
    for (const update of updates) {
      const value = update();
      for (const listener of listeners) {
        try {
          listener(value);
        } catch (error) {
          failure ??= error;
        }
      }
    }
    // Every listener heard every update; then the first listener error surfaces to the caller.
    if (failure !== undefined) throw failure;
  }
}
