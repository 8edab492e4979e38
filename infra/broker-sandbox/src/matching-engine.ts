import { dec, decString, Decimal, ZERO } from '@tollgate/kernel';

/**
 * The narrow seam between the sandbox's Alpaca-shaped HTTP/WS layer and whatever decides when and at
 * what price an order executes. The built-in `TopOfBookEngine` below is used until the simulated
 * exchange (libs/domain/src/simulated-exchange) is wired in through an adapter of this interface.
 */
export interface SandboxQuote {
  symbol: string;
  bid: string;
  ask: string;
  bidSize: string;
  askSize: string;
  at: string;
}

export interface EngineOrder {
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  timeInForce: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  /** Still to execute. */
  quantity: string;
  limitPrice: string | null;
  stopPrice: string | null;
}

export type EngineOutcome =
  | { kind: 'execution'; orderId: string; quantity: string; price: string; at: string }
  /** The venue ended the rest of the order (an IOC remainder). */
  | { kind: 'expired'; orderId: string; at: string };

export interface MatchingEngine {
  /** An engine that keeps its own events gets them back, in order, before anything else at a restart. */
  resume?(records: readonly unknown[]): void;
  /** Where such an engine writes its events; the venue journals them with everything else. */
  setRecorder?(record: (events: readonly unknown[], at: string) => void): void;
  add(order: EngineOrder, at: string): EngineOutcome[];
  /** The last quote before a restart, for an engine that wants it back (without matching anything). */
  restoreQuote(quote: SandboxQuote): void;
  /** Puts a working order back after a restart without matching it. */
  restore(order: EngineOrder): void;
  remove(orderId: string): void;
  quote(quote: SandboxQuote): EngineOutcome[];
  lastQuote(symbol: string): SandboxQuote | undefined;
  working(): EngineOrder[];
}

/**
 * Executes against the top of the book: a buy takes the ask, a sell hits the bid, never more than the
 * displayed size per quote, so a large order fills in parts over several quotes. Limits execute at the
 * quote when it is at or better than the limit; stops trigger when the quote crosses the stop.
 */
export class TopOfBookEngine implements MatchingEngine {
  private readonly orders = new Map<string, EngineOrder & { triggered: boolean }>();
  private readonly quotes = new Map<string, SandboxQuote>();
  /** Size left at the top of the book for the current quote, per symbol and side. */
  private readonly remainingSize = new Map<string, { bid: Decimal; ask: Decimal }>();

  add(order: EngineOrder, at: string): EngineOutcome[] {
    this.orders.set(order.orderId, { ...order, triggered: order.type === 'market' || order.type === 'limit' });
    const outcomes = this.tryExecute(order.orderId, at);
    const rest = this.orders.get(order.orderId);
    if (rest && (order.timeInForce === 'ioc' || order.timeInForce === 'fok')) {
      this.orders.delete(order.orderId);
      outcomes.push({ kind: 'expired', orderId: order.orderId, at });
    }
    return outcomes;
  }

  restoreQuote(quote: SandboxQuote): void {
    this.quotes.set(quote.symbol, quote);
    this.remainingSize.set(quote.symbol, { bid: dec(quote.bidSize), ask: dec(quote.askSize) });
  }

  restore(order: EngineOrder): void {
    this.orders.set(order.orderId, { ...order, triggered: order.type === 'market' || order.type === 'limit' });
  }

  remove(orderId: string): void {
    this.orders.delete(orderId);
  }

  quote(quote: SandboxQuote): EngineOutcome[] {
    this.quotes.set(quote.symbol, quote);
    this.remainingSize.set(quote.symbol, { bid: dec(quote.bidSize), ask: dec(quote.askSize) });
    const outcomes: EngineOutcome[] = [];
    for (const order of [...this.orders.values()]) {
      if (order.symbol === quote.symbol) outcomes.push(...this.tryExecute(order.orderId, quote.at));
    }
    return outcomes;
  }

  lastQuote(symbol: string): SandboxQuote | undefined {
    return this.quotes.get(symbol);
  }

  working(): EngineOrder[] {
    return [...this.orders.values()].map(({ triggered: _triggered, ...order }) => order);
  }

  private tryExecute(orderId: string, at: string): EngineOutcome[] {
    const order = this.orders.get(orderId);
    const quote = order ? this.quotes.get(order.symbol) : undefined;
    const sizes = order ? this.remainingSize.get(order.symbol) : undefined;
    if (!order || !quote || !sizes) return [];
    const touch = dec(order.side === 'buy' ? quote.ask : quote.bid);
    if (!order.triggered) {
      const stop = dec(order.stopPrice ?? '0');
      const crossed = order.side === 'buy' ? touch.gte(stop) : touch.lte(stop);
      if (!crossed) return [];
      order.triggered = true;
    }
    if (order.type === 'limit' || order.type === 'stop_limit') {
      const limit = dec(order.limitPrice ?? '0');
      const marketable = order.side === 'buy' ? touch.lte(limit) : touch.gte(limit);
      if (!marketable) return [];
    }
    const available = order.side === 'buy' ? sizes.ask : sizes.bid;
    const wanted = dec(order.quantity);
    const quantity = Decimal.min(available, wanted);
    if (quantity.lte(ZERO)) return [];
    if (order.side === 'buy') sizes.ask = sizes.ask.minus(quantity);
    else sizes.bid = sizes.bid.minus(quantity);
    const left = wanted.minus(quantity);
    if (left.lte(ZERO)) this.orders.delete(orderId);
    else order.quantity = decString(left);
    return [{ kind: 'execution', orderId, quantity: decString(quantity), price: decString(touch), at }];
  }
}
