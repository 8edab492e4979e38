import { dec, decString, deterministicId, isDecimalString, ZERO } from '@tollgate/kernel';
import { accountFigures, assetIdFor, orderJson } from './alpaca-json';
import { SandboxBook, WORKING, type OrderState, type OrderTerms, type ProposedRecord, type SandboxRecord, type SubmitOutcome } from './book';
import type { Journal } from './journal';
import type { EngineOrder, EngineOutcome, MatchingEngine, SandboxQuote } from './matching-engine';
import type { SyntheticPriceSource } from './price-source';

/** An answer in Alpaca's error envelope: `{"code": 40010001, "message": "..."}` with the HTTP status. */
export class AlpacaApiFailure extends Error {
  override name = 'AlpacaApiFailure';
  constructor(readonly status: number, readonly code: number, message: string) {
    super(message);
  }
}

export const failures = {
  unprocessable: (message: string) => new AlpacaApiFailure(422, 40010001, message),
  forbidden: (message: string) => new AlpacaApiFailure(403, 40310000, message),
  notFound: (message: string) => new AlpacaApiFailure(404, 40410000, message),
  /** The Market Data API answers a bad symbol or parameter with 400, not the Trading API's 422. */
  invalidParameter: (message: string) => new AlpacaApiFailure(400, 40010001, message),
};

export interface TradeUpdate {
  event: 'new' | 'fill' | 'partial_fill' | 'canceled' | 'expired' | 'replaced';
  order: Record<string, unknown>;
  timestamp: string;
  execution_id?: string;
  price?: string;
  qty?: string;
  position_qty?: string;
}

export interface VenueOptions {
  journal: Journal;
  engine: MatchingEngine;
  prices: SyntheticPriceSource;
  seed: number;
  initialCash: string;
  now: () => Date;
}

const SYMBOL = /^[A-Z][A-Z0-9.]{0,9}$/;
const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit']);
const TIME_IN_FORCE = new Set(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls']);

/**
 * The sandbox venue: validates requests the way Alpaca documents, writes every change to the journal
 * before applying it, asks the matching engine for executions, and publishes trade updates.
 */
export class SandboxVenue {
  readonly book: SandboxBook;
  private readonly listeners = new Set<(update: TradeUpdate) => void>();

  constructor(private readonly options: VenueOptions) {
    this.book = new SandboxBook(options.initialCash);
  }

  /** Replays the journal, then puts the working orders and last quotes back into the engine. */
  restore(): number {
    const records = this.options.journal.readAll();
    for (const record of records) this.book.apply(record);
    this.options.engine.resume?.(records.flatMap((record) => (record.kind === 'engine_events' ? record.events : [])));
    this.options.engine.setRecorder?.((events, at) => this.commit([{ kind: 'engine_events', at, events }]));
    for (const [symbol, quote] of this.book.lastQuotes) {
      this.options.prices.anchor(symbol, decString(dec(quote.bid).plus(dec(quote.ask)).div(2)));
      this.options.engine.restoreQuote({ symbol, ...quote });
    }
    // Restoring executes nothing: quotes first (no orders are resting yet), then the orders without matching.
    for (const order of this.book.workingOrders()) this.restoreWorking(order);
    return records.length;
  }

  onTradeUpdate(listener: (update: TradeUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** POST /v2/orders (origin `api`) or an order placed "outside Tollgate" (origin `outside`). */
  submit(body: unknown, origin: 'api' | 'outside'): OrderState {
    const at = this.nowIso();
    const clientOrderId = clientOrderIdOf(body);
    try {
      const terms = this.validateNewOrder(body, origin, at);
      this.ensureQuote(terms.symbol, at);
      this.checkBuyingPower(terms);
      this.logSubmit(at, origin, clientOrderId ?? terms.clientOrderId, body, 'accepted', 200, terms.id, null);
      this.commit([{ kind: 'order_accepted', at, order: terms }]);
      // The answer is the order as accepted, as Alpaca's is: executions follow on the stream and in queries.
      const accepted = { ...this.book.orders.get(terms.id)! };
      this.handle(this.options.engine.add(toEngineOrder(terms, terms.qty), at));
      return accepted;
    } catch (error) {
      if (error instanceof AlpacaApiFailure) {
        const outcome: SubmitOutcome = error.message === 'client_order_id must be unique' ? 'duplicate_client_order_id' : 'rejected';
        this.logSubmit(at, origin, clientOrderId, body, outcome, error.status, null, error.message);
      }
      throw error;
    }
  }

  /** A request that a fault answered before it was processed: it still belongs in the order log. */
  recordFaultedSubmit(body: unknown, status: number): void {
    this.logSubmit(this.nowIso(), 'api', clientOrderIdOf(body), body, 'fault_before_processing', status, null, `fault injected: HTTP ${status}`);
  }

  cancel(orderId: string): void {
    const order = this.book.orders.get(orderId);
    if (!order) throw failures.notFound('order not found');
    if (!WORKING.has(order.status)) throw failures.unprocessable(`order is already in "${order.status}" state`);
    this.options.engine.remove(orderId);
    this.commit([{ kind: 'order_canceled', at: this.nowIso(), orderId }]);
  }

  cancelAll(): Array<{ id: string; status: number }> {
    return this.book.workingOrders().map((order) => {
      this.cancel(order.id);
      return { id: order.id, status: 200 };
    });
  }

  replace(orderId: string, body: unknown): OrderState {
    const order = this.book.orders.get(orderId);
    if (!order) throw failures.notFound('order not found');
    if (!WORKING.has(order.status)) throw failures.unprocessable(`order is already in "${order.status}" state`);
    const input = asRecord(body);
    const at = this.nowIso();
    const clientOrderId = optionalString(input, 'client_order_id') ?? deterministicId('sandbox-client-order', this.options.seed, this.book.lastSeq + 1);
    if (this.book.ordersByClientOrderId.has(clientOrderId)) throw failures.unprocessable('client_order_id must be unique');
    const qty = optionalDecimal(input, 'qty') ?? decString(this.book.remaining(order));
    if (dec(qty).lte(ZERO)) throw failures.unprocessable('qty must be > 0');
    const limitPrice = optionalDecimal(input, 'limit_price') ?? order.limitPrice;
    const stopPrice = optionalDecimal(input, 'stop_price') ?? order.stopPrice;
    const timeInForce = optionalString(input, 'time_in_force') ?? order.timeInForce;
    if (!TIME_IN_FORCE.has(timeInForce)) throw failures.unprocessable(`invalid time_in_force ${timeInForce}`);
    const replacement: OrderTerms = {
      ...order,
      id: deterministicId('sandbox-order', this.options.seed, this.book.lastSeq + 1),
      clientOrderId,
      qty,
      limitPrice,
      stopPrice,
      timeInForce: timeInForce as OrderTerms['timeInForce'],
      createdAt: at,
      replaces: order.id,
    };
    this.options.engine.remove(orderId);
    this.commit([{ kind: 'order_replaced', at, orderId, replacement: pickTerms(replacement) }]);
    const accepted = { ...this.book.orders.get(replacement.id)! };
    this.handle(this.options.engine.add(toEngineOrder(replacement, replacement.qty), at));
    return accepted;
  }

  /** Market data in (synthetic tick or fed by a test): recorded, then matched. */
  quote(quote: SandboxQuote, persist: boolean): void {
    if (persist) this.commit([{ kind: 'quote', at: quote.at, symbol: quote.symbol, bid: quote.bid, ask: quote.ask, bidSize: quote.bidSize, askSize: quote.askSize }]);
    else this.book.lastQuotes.set(quote.symbol, { bid: quote.bid, ask: quote.ask, bidSize: quote.bidSize, askSize: quote.askSize, at: quote.at });
    this.options.prices.anchor(quote.symbol, decString(dec(quote.bid).plus(dec(quote.ask)).div(2)));
    const outcomes = this.options.engine.quote(quote);
    // A quote that executes something is part of the record: the fill's price must be explainable after a restart.
    if (!persist && outcomes.length > 0) this.commit([{ kind: 'quote', at: quote.at, symbol: quote.symbol, bid: quote.bid, ask: quote.ask, bidSize: quote.bidSize, askSize: quote.askSize }]);
    this.handle(outcomes);
  }

  /** One step of the synthetic price walk for every symbol seen so far. */
  tick(): void {
    const at = this.nowIso();
    for (const quote of this.options.prices.tick(at)) this.quote(quote, false);
  }

  /**
   * The venue's current quote of a symbol, as the Market Data API's latest-quote routes answer it. A symbol
   * the price walk does not know yet starts its walk here (journaled, as a first order for it would), so
   * a client polling quotes sees the same prices its orders will execute against.
   */
  latestQuote(symbol: string): SandboxQuote {
    if (!SYMBOL.test(symbol)) throw failures.invalidParameter(`invalid symbol: ${symbol}`);
    this.ensureQuote(symbol, this.nowIso());
    return this.options.engine.lastQuote(symbol)!;
  }

  findByClientOrderId(clientOrderId: string): OrderState | undefined {
    return this.book.ordersByClientOrderId.get(clientOrderId);
  }

  private validateNewOrder(body: unknown, origin: 'api' | 'outside', at: string): OrderTerms {
    const input = asRecord(body);
    const symbol = optionalString(input, 'symbol');
    if (!symbol) throw failures.unprocessable('symbol is required');
    if (!SYMBOL.test(symbol)) throw failures.unprocessable(`asset "${symbol}" not found`);
    if (input.notional !== undefined && input.notional !== null) throw failures.unprocessable('notional orders are not supported by the sandbox');
    const qty = optionalDecimal(input, 'qty');
    if (qty === null) throw failures.unprocessable('qty is required');
    if (dec(qty).lte(ZERO)) throw failures.unprocessable('qty must be > 0');
    const side = optionalString(input, 'side');
    if (side !== 'buy' && side !== 'sell') throw failures.unprocessable(`invalid side: ${String(side)}`);
    const type = optionalString(input, 'type') ?? 'market';
    if (!TYPES.has(type)) throw failures.unprocessable(`invalid order type for the sandbox: ${type}`);
    const timeInForce = optionalString(input, 'time_in_force');
    if (!timeInForce || !TIME_IN_FORCE.has(timeInForce)) throw failures.unprocessable(`invalid time_in_force: ${String(timeInForce)}`);
    const limitPrice = optionalDecimal(input, 'limit_price');
    const stopPrice = optionalDecimal(input, 'stop_price');
    if ((type === 'limit' || type === 'stop_limit') && limitPrice === null) throw failures.unprocessable('limit_price is required');
    if ((type === 'stop' || type === 'stop_limit') && stopPrice === null) throw failures.unprocessable('stop_price is required');
    const seq = this.book.lastSeq + 1;
    const clientOrderId = optionalString(input, 'client_order_id') ?? deterministicId('sandbox-client-order', this.options.seed, seq);
    if (clientOrderId.length > 128) throw failures.unprocessable('client_order_id must be at most 128 characters');
    if (this.book.ordersByClientOrderId.has(clientOrderId)) throw failures.unprocessable('client_order_id must be unique');
    return {
      id: deterministicId('sandbox-order', this.options.seed, seq),
      clientOrderId,
      symbol,
      assetId: assetIdFor(symbol),
      side,
      type: type as OrderTerms['type'],
      timeInForce: timeInForce as OrderTerms['timeInForce'],
      qty,
      limitPrice: type === 'limit' || type === 'stop_limit' ? limitPrice : null,
      stopPrice: type === 'stop' || type === 'stop_limit' ? stopPrice : null,
      positionIntent: optionalString(input, 'position_intent'),
      extendedHours: input.extended_hours === true,
      createdAt: at,
      replaces: null,
      origin,
    };
  }

  private checkBuyingPower(terms: OrderTerms): void {
    if (terms.side !== 'buy') return;
    const quote = this.options.engine.lastQuote(terms.symbol);
    const price = terms.limitPrice ? dec(terms.limitPrice) : quote ? dec(quote.ask) : ZERO;
    const cost = dec(terms.qty).mul(price);
    if (cost.gt(accountFigures(this.book).buyingPower)) throw failures.forbidden('insufficient buying power');
  }

  private ensureQuote(symbol: string, at: string): void {
    if (this.options.engine.lastQuote(symbol)) return;
    this.quote(this.options.prices.current(symbol, at), true);
  }

  private restoreWorking(order: OrderState): void {
    // Only the remainder goes back, and without matching: what the last quotes could fill, they already did.
    this.options.engine.restore(toEngineOrder(order, decString(this.book.remaining(order))));
  }

  private handle(outcomes: EngineOutcome[]): void {
    for (const outcome of outcomes) {
      const order = this.book.orders.get(outcome.orderId);
      if (!order || !WORKING.has(order.status)) continue;
      if (outcome.kind === 'expired') {
        this.commit([{ kind: 'order_expired', at: outcome.at, orderId: outcome.orderId }]);
        continue;
      }
      const seq = this.book.lastSeq + 1;
      const uuid = deterministicId('sandbox-fill', this.options.seed, seq);
      this.commit([
        {
          kind: 'order_filled',
          at: outcome.at,
          orderId: outcome.orderId,
          activityId: `${compactTime(outcome.at)}::${uuid}`,
          executionId: deterministicId('sandbox-execution', this.options.seed, seq),
          qty: outcome.quantity,
          price: outcome.price,
        },
      ]);
    }
  }

  private logSubmit(
    at: string,
    origin: 'api' | 'outside',
    clientOrderId: string | null,
    body: unknown,
    outcome: SubmitOutcome,
    status: number,
    orderId: string | null,
    reason: string | null,
  ): void {
    this.commit([{ kind: 'submit_received', at, origin, clientOrderId, body, outcome, status, orderId, reason }]);
  }

  private commit(proposed: ProposedRecord[]): void {
    for (const item of proposed) {
      const record = { ...item, seq: this.book.lastSeq + 1 } as SandboxRecord;
      this.options.journal.append(record);
      this.book.apply(record);
      this.publish(record);
    }
  }

  private publish(record: SandboxRecord): void {
    if (this.listeners.size === 0) return;
    const update = this.tradeUpdateFor(record);
    for (const item of update) for (const listener of this.listeners) listener(item);
  }

  private tradeUpdateFor(record: SandboxRecord): TradeUpdate[] {
    switch (record.kind) {
      case 'order_accepted':
        return [{ event: 'new', order: orderJson(this.book.orders.get(record.order.id)!), timestamp: record.at }];
      case 'order_filled': {
        const order = this.book.orders.get(record.orderId)!;
        const position = this.book.positions.get(order.symbol);
        return [
          {
            event: order.status === 'filled' ? 'fill' : 'partial_fill',
            order: orderJson(order),
            timestamp: record.at,
            execution_id: record.executionId,
            price: record.price,
            qty: record.qty,
            position_qty: position ? decString(position.qty) : '0',
          },
        ];
      }
      case 'order_canceled':
        return [{ event: 'canceled', order: orderJson(this.book.orders.get(record.orderId)!), timestamp: record.at }];
      case 'order_expired':
        return [{ event: 'expired', order: orderJson(this.book.orders.get(record.orderId)!), timestamp: record.at }];
      case 'order_replaced':
        return [
          { event: 'replaced', order: orderJson(this.book.orders.get(record.orderId)!), timestamp: record.at },
          { event: 'new', order: orderJson(this.book.orders.get(record.replacement.id)!), timestamp: record.at },
        ];
      default:
        return [];
    }
  }

  private nowIso(): string {
    return this.options.now().toISOString();
  }
}

function toEngineOrder(order: OrderTerms, remaining: string): EngineOrder {
  return {
    orderId: order.id,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    quantity: remaining,
    limitPrice: order.limitPrice,
    stopPrice: order.stopPrice,
  };
}

function pickTerms(order: OrderTerms): OrderTerms {
  const { id, clientOrderId, symbol, assetId, side, type, timeInForce, qty, limitPrice, stopPrice, positionIntent, extendedHours, createdAt, replaces, origin } =
    order;
  return { id, clientOrderId, symbol, assetId, side, type, timeInForce, qty, limitPrice, stopPrice, positionIntent, extendedHours, createdAt, replaces, origin };
}

function asRecord(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw failures.unprocessable('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function clientOrderIdOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>).client_order_id;
  return typeof value === 'string' ? value : null;
}

function optionalString(input: Record<string, unknown>, field: string): string | null {
  const value = input[field];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw failures.unprocessable(`${field} must be a string`);
  return value;
}

/** Alpaca accepts numbers as JSON strings or numbers; both become exact decimal strings here. */
function optionalDecimal(input: Record<string, unknown>, field: string): string | null {
  const value = input[field];
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string' || !isDecimalString(text)) throw failures.unprocessable(`invalid ${field}: ${JSON.stringify(value)}`);
  return decString(dec(text));
}

/** `2019-05-24T15:34:06.977Z` → `20190524153406977`, the time part of Alpaca's activity ids. */
function compactTime(iso: string): string {
  return iso.replace(/[-:TZ.]/g, '').slice(0, 17);
}
