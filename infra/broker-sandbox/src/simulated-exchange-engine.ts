import type { BrokerUpdate, OrderRequest, SimulatedExchangeEvent } from '@tollgate/contracts';
import { SimulatedBroker } from '@tollgate/domain/simulated-exchange';
import { ManualClock } from '@tollgate/kernel';
import type { EngineOrder, EngineOutcome, MatchingEngine, SandboxQuote } from './matching-engine';

/**
 * The simulated exchange (libs/domain/src/simulated-exchange) as the sandbox's matching engine. The
 * sandbox's order id is the exchange's client order id. Alpaca is commission-free and answers at the
 * touch, so the fill model has no commission, no slippage and no latency; resting limits fill when
 * the quote reaches them. The exchange's own events go to the sandbox journal, and a restarted sandbox
 * rebuilds the exchange from them exactly (market data is not replayed: the next quote moves it on).
 */
export class SimulatedExchangeEngine implements MatchingEngine {
  private broker: SimulatedBroker;
  private readonly clock = new ManualClock(new Date());
  private readonly quotes = new Map<string, SandboxQuote>();
  private readonly resting = new Map<string, EngineOrder>();
  private collected: EngineOutcome[] = [];
  private recorder: ((events: readonly unknown[], at: string) => void) | null = null;
  /** Events decided before the venue gave a recorder (opening the account): journaled once it does. */
  private unrecorded: Array<{ events: readonly unknown[]; at: string }> = [];

  constructor(private readonly seed: number) {
    this.broker = this.create([]);
  }

  resume(records: readonly unknown[]): void {
    if (records.length === 0) return; // a fresh sandbox: keep the exchange opened in the constructor
    this.unrecorded = [];
    this.broker = this.create(records as SimulatedExchangeEvent[]);
  }

  setRecorder(record: (events: readonly unknown[], at: string) => void): void {
    this.recorder = record;
    for (const item of this.unrecorded.splice(0)) record(item.events, item.at);
  }

  add(order: EngineOrder, at: string): EngineOutcome[] {
    this.clock.set(new Date(at));
    this.resting.set(order.orderId, order);
    const request: OrderRequest = {
      clientOrderId: order.orderId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: order.quantity,
      timeInForce: order.timeInForce === 'gtc' ? 'gtc' : order.timeInForce === 'ioc' || order.timeInForce === 'fok' ? 'ioc' : 'day',
      ...(order.limitPrice ? { limitPrice: order.limitPrice } : {}),
      ...(order.stopPrice ? { stopPrice: order.stopPrice } : {}),
    };
    // The exchange decides synchronously inside submit; its updates are collected as they are published.
    void this.broker.submit(request).catch(() => undefined);
    const outcomes = this.drain();
    if (!this.broker.exchangeState.orders[order.orderId] && !outcomes.some((item) => item.kind === 'expired')) {
      // Refused before it became an order (input the exchange does not take): the sandbox must not keep it working.
      this.resting.delete(order.orderId);
      outcomes.push({ kind: 'expired', orderId: order.orderId, at });
    }
    return outcomes;
  }

  restoreQuote(): void {
    // Market data is not part of the exchange's history: the next quote (fed fresh) moves it on.
  }

  restore(order: EngineOrder): void {
    // The exchange's own history already holds the working order; nothing to put back.
    this.resting.set(order.orderId, order);
  }

  remove(orderId: string): void {
    this.resting.delete(orderId);
    void this.broker.cancel(orderId).catch(() => undefined);
    this.collected = [];
  }

  quote(quote: SandboxQuote): EngineOutcome[] {
    this.clock.set(new Date(quote.at));
    this.quotes.set(quote.symbol, quote);
    this.broker.onQuote({ symbol: quote.symbol, timestamp: quote.at, bid: quote.bid, ask: quote.ask, bidSize: quote.bidSize, askSize: quote.askSize });
    return this.drain();
  }

  lastQuote(symbol: string): SandboxQuote | undefined {
    return this.quotes.get(symbol);
  }

  working(): EngineOrder[] {
    return [...this.resting.values()];
  }

  private create(history: readonly SimulatedExchangeEvent[]): SimulatedBroker {
    const broker = new SimulatedBroker({
      clock: this.clock,
      seed: this.seed,
      name: 'broker-sandbox',
      accountId: 'SANDBOX',
      initialCash: '1000000000',
      instruments: [],
      fillModel: {
        latencyMs: 0,
        latencyJitterMs: 0,
        slippageBps: '0',
        slippageJitterBps: '0',
        participationRate: '1',
        limitFillRule: 'touch',
        commissionPerShare: '0',
        commissionMinimumPerOrder: '0',
      },
      history,
      onEvents: (events) => {
        const at = this.clock.now().toISOString();
        if (this.recorder) this.recorder(events, at);
        else this.unrecorded.push({ events, at });
      },
    });
    broker.onUpdate((update) => this.collect(update));
    return broker;
  }

  private collect(update: BrokerUpdate): void {
    switch (update.kind) {
      case 'fill':
        this.collected.push({ kind: 'execution', orderId: update.order.clientOrderId, quantity: update.fill.quantity, price: update.fill.price, at: update.fill.filledAt });
        if (update.order.status === 'filled') this.resting.delete(update.order.clientOrderId);
        return;
      case 'expired':
      case 'rejected':
        // The exchange ended (or refused) the order: for the sandbox the rest of it expires.
        this.resting.delete(update.order.clientOrderId);
        this.collected.push({ kind: 'expired', orderId: update.order.clientOrderId, at: update.order.updatedAt });
        return;
      default:
        return;
    }
  }

  private drain(): EngineOutcome[] {
    const outcomes = this.collected;
    this.collected = [];
    return outcomes;
  }
}
