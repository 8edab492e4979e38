import { assertNever, dec, decString, Decimal, deterministicId, DomainError, isDecimalString, Rounding, ZERO, type DecimalString } from '@tollgate/kernel';
import type { OrderRequest, ReplaceRequest, SimulatedExchangeEvent } from '@tollgate/contracts';
import type { Instrument } from '../instrument';
import { orderTermIssues, tradeDirection } from '../order/order.validation';
import { commissionFor, latencyFor, slippageBpsFor, type FillModel } from './fill-model';
import { evolveExchange, type OpenSimulatedExchange, type SimulatedExchangeState, type SimulatedOrder } from './exchange.state';
import type { ExchangeBar, MarketView, StandingQuote } from './market';

interface Metadata {
  now: Date;
}

export type SimulatedExchangeCommand =
  | {
      type: 'OpenAccount';
      data: { accountId: string; currency: string; initialCash: DecimalString; seed: number; fillModel: FillModel; instruments: readonly Instrument[] };
      metadata: Metadata;
    }
  | { type: 'SubmitOrder'; data: { request: OrderRequest }; metadata: Metadata }
  | { type: 'CancelOrder'; data: { clientOrderId: string }; metadata: Metadata }
  | { type: 'ReplaceOrder'; data: { clientOrderId: string; changes: ReplaceRequest }; metadata: Metadata }
  /** Orders whose latency has elapsed take their first look at the standing quotes. */
  | { type: 'ActivateDueOrders'; data: { market: MarketView }; metadata: Metadata }
  /** A new quote: due orders on its symbol match against it (metadata.now is the quote's time). */
  | { type: 'MatchQuote'; data: { quote: StandingQuote }; metadata: Metadata }
  /**
   * A bar, stamped at its close: orders active when it opened (the previous bar's close, if known)
   * match against it; without a previous bar, orders active before its close do.
   */
  | { type: 'MatchBar'; data: { bar: ExchangeBar; openedAt?: string }; metadata: Metadata }
  /** The session closed: DAY (and unmatched IOC) orders expire; GTC orders rest on. */
  | { type: 'EndSession'; data: Record<string, never>; metadata: Metadata };

/** The simulated venue said no (unknown order, not open, duplicate client order id, malformed request). */
export class SimulatedExchangeRejection extends DomainError {
  override name = 'SimulatedExchangeRejection';
  constructor(readonly reason: string) {
    super('SIMULATED_EXCHANGE_REJECTED', reason, { reason });
  }
}

const BASIS_POINTS = dec('10000');
const DEFAULT_TICK = dec('0.01');
const DEFAULT_LOT = dec('1');

function requireOpen(state: SimulatedExchangeState): OpenSimulatedExchange {
  if (state.status !== 'Open') throw new SimulatedExchangeRejection('the simulated account is not open');
  return state;
}

function instrumentOf(state: OpenSimulatedExchange, symbol: string): Instrument | undefined {
  return state.account.instruments[symbol];
}

function tickOf(state: OpenSimulatedExchange, symbol: string): Decimal {
  const instrument = instrumentOf(state, symbol);
  return instrument ? dec(instrument.tickSize) : DEFAULT_TICK;
}

function lotOf(state: OpenSimulatedExchange, symbol: string): Decimal {
  const instrument = instrumentOf(state, symbol);
  return instrument ? dec(instrument.lotSize) : DEFAULT_LOT;
}

/** decideOrder(command, state) → events for the simulated exchange; evolveExchange applies them. */
export function decideExchange(command: SimulatedExchangeCommand, state: SimulatedExchangeState): SimulatedExchangeEvent[] {
  const now = command.metadata.now.toISOString();
  switch (command.type) {
    case 'OpenAccount':
      if (state.status === 'Open') throw new SimulatedExchangeRejection(`account ${state.account.accountId} is already open`);
      return [
        {
          type: 'SimulatedAccountOpened',
          data: {
            accountId: command.data.accountId,
            currency: command.data.currency,
            initialCash: command.data.initialCash,
            seed: command.data.seed,
            fillModel: command.data.fillModel,
            instruments: command.data.instruments.map((instrument) => ({ ...instrument })),
            openedAt: now,
          },
        },
      ];
    case 'SubmitOrder':
      return submit(requireOpen(state), command.data.request, now);
    case 'CancelOrder':
      return cancel(requireOpen(state), command.data.clientOrderId, now);
    case 'ReplaceOrder':
      return replace(requireOpen(state), command.data.clientOrderId, command.data.changes, now);
    case 'ActivateDueOrders': {
      const open = requireOpen(state);
      const events: SimulatedExchangeEvent[] = [];
      let working: OpenSimulatedExchange = open;
      const symbols = [...new Set(open.openOrderIds.map((id) => open.orders[id]!.symbol))].sort();
      for (const symbol of symbols) {
        const quote = command.data.market.quotes[symbol];
        if (!quote) continue;
        const result = matchSymbol(working, { kind: 'quote', quote }, now, (order) => !order.activated && Date.parse(order.activeAt) <= Date.parse(now));
        events.push(...result.events);
        working = result.state;
      }
      return events;
    }
    case 'MatchQuote':
      return matchSymbol(requireOpen(state), { kind: 'quote', quote: command.data.quote }, command.data.quote.at, activeBy(command.data.quote.at, 'inclusive')).events;
    case 'MatchBar': {
      const { bar, openedAt } = command.data;
      const eligible = openedAt === undefined ? activeBy(bar.at, 'exclusive') : activeBy(openedAt, 'inclusive');
      return matchSymbol(requireOpen(state), { kind: 'bar', bar }, bar.at, eligible).events;
    }
    case 'EndSession': {
      const open = requireOpen(state);
      return open.openOrderIds
        .map((id) => open.orders[id]!)
        .filter((order) => order.timeInForce !== 'gtc')
        .map((order): SimulatedExchangeEvent => ({ type: 'SimulatedOrderExpired', data: { clientOrderId: order.clientOrderId, expiredAt: now } }));
    }
    default:
      return assertNever(command, 'simulated exchange command');
  }
}

function parseRequestDecimal(value: string | undefined, field: string): Decimal | undefined {
  if (value === undefined) return undefined;
  if (!isDecimalString(value)) throw new SimulatedExchangeRejection(`${field}=${JSON.stringify(value)} is not a decimal string`);
  return dec(value);
}

function requestIssues(state: OpenSimulatedExchange, request: Omit<OrderRequest, 'quantity' | 'limitPrice' | 'stopPrice'>, terms: { quantity: Decimal; limitPrice?: Decimal; stopPrice?: Decimal }): string[] {
  const instruments = Object.keys(state.account.instruments);
  const instrument = instrumentOf(state, request.symbol);
  if (instruments.length > 0 && !instrument) return [`symbol ${request.symbol} is not traded here`];
  const issues = orderTermIssues({ ...request, ...terms }, instrument);
  if (!instrument) {
    if (!terms.quantity.mod(DEFAULT_LOT).isZero()) issues.push(`quantity=${decString(terms.quantity)} is not a whole number of shares`);
    for (const [field, price] of [['limitPrice', terms.limitPrice], ['stopPrice', terms.stopPrice]] as const) {
      if (price && !price.mod(DEFAULT_TICK).isZero()) issues.push(`${field}=${decString(price)} is not on the tick 0.01`);
    }
  }
  if (request.timeInForce === 'ioc' && (request.type === 'stop' || request.type === 'stop_limit')) {
    issues.push(`time in force ioc is not supported for ${request.type} orders`);
  }
  return issues;
}

function submit(state: OpenSimulatedExchange, request: OrderRequest, now: string): SimulatedExchangeEvent[] {
  if (!request.clientOrderId) throw new SimulatedExchangeRejection('clientOrderId must not be empty');
  if (!request.symbol) throw new SimulatedExchangeRejection('symbol must not be empty');
  if (request.quantity === undefined) throw new SimulatedExchangeRejection('quantity is required');
  if (state.orders[request.clientOrderId]) {
    // A duplicate client order id is refused without a record: the first order stands.
    throw new SimulatedExchangeRejection(`client order id ${request.clientOrderId} was already used`);
  }
  const quantity = parseRequestDecimal(request.quantity, 'quantity')!;
  const limitPrice = parseRequestDecimal(request.limitPrice, 'limitPrice');
  const stopPrice = parseRequestDecimal(request.stopPrice, 'stopPrice');
  const brokerOrderId = deterministicId('tollgate.sim.order', state.account.accountId, request.clientOrderId);
  const terms = {
    clientOrderId: request.clientOrderId,
    symbol: request.symbol,
    side: request.side,
    type: request.type,
    timeInForce: request.timeInForce,
    quantity: decString(quantity),
    ...(limitPrice ? { limitPrice: decString(limitPrice) } : {}),
    ...(stopPrice ? { stopPrice: decString(stopPrice) } : {}),
    brokerOrderId,
  };
  const issues = requestIssues(state, request, { quantity, limitPrice, stopPrice });
  if (issues.length > 0 || !quantity.gt(0)) {
    return [{ type: 'SimulatedOrderRejected', data: { ...terms, reason: issues.join('; ') || 'quantity must be positive', rejectedAt: now } }];
  }
  return [
    {
      type: 'SimulatedOrderAccepted',
      data: {
        ...terms,
        receivedAt: now,
        activeAt: new Date(Date.parse(now) + latencyFor(state.account.fillModel, state.account.seed, request.clientOrderId)).toISOString(),
        carriedFilledQuantity: '0',
        carriedFilledNotional: '0',
        carriedCommission: '0',
        triggered: false,
      },
    },
  ];
}

function openOrder(state: OpenSimulatedExchange, clientOrderId: string): SimulatedOrder {
  const order = state.orders[clientOrderId];
  if (!order) throw new SimulatedExchangeRejection(`order ${clientOrderId} was not found`);
  if (order.status !== 'open') throw new SimulatedExchangeRejection(`order ${clientOrderId} is not open (it is ${order.status})`);
  return order;
}

function cancel(state: OpenSimulatedExchange, clientOrderId: string, now: string): SimulatedExchangeEvent[] {
  openOrder(state, clientOrderId);
  return [{ type: 'SimulatedOrderCanceled', data: { clientOrderId, reason: 'requested', canceledAt: now } }];
}

function replace(state: OpenSimulatedExchange, clientOrderId: string, changes: ReplaceRequest, now: string): SimulatedExchangeEvent[] {
  const order = openOrder(state, clientOrderId);
  if (!changes.newClientOrderId) throw new SimulatedExchangeRejection('newClientOrderId must not be empty');
  if (state.orders[changes.newClientOrderId]) throw new SimulatedExchangeRejection(`client order id ${changes.newClientOrderId} was already used`);
  const quantity = parseRequestDecimal(changes.quantity, 'quantity') ?? order.quantity;
  const limitPrice = parseRequestDecimal(changes.limitPrice, 'limitPrice') ?? order.limitPrice;
  const stopPrice = parseRequestDecimal(changes.stopPrice, 'stopPrice') ?? order.stopPrice;
  const issues = requestIssues(state, order, { quantity, limitPrice, stopPrice });
  if (!quantity.gt(order.filledQuantity)) issues.push(`quantity=${decString(quantity)} must exceed the filled quantity ${decString(order.filledQuantity)}`);
  if (issues.length > 0) throw new SimulatedExchangeRejection(`replace of ${clientOrderId} was refused: ${issues.join('; ')}`);
  return [
    { type: 'SimulatedOrderReplaced', data: { clientOrderId, replacedBy: changes.newClientOrderId, replacedAt: now } },
    {
      type: 'SimulatedOrderAccepted',
      data: {
        clientOrderId: changes.newClientOrderId,
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        timeInForce: order.timeInForce,
        quantity: decString(quantity),
        ...(limitPrice ? { limitPrice: decString(limitPrice) } : {}),
        ...(stopPrice ? { stopPrice: decString(stopPrice) } : {}),
        brokerOrderId: deterministicId('tollgate.sim.order', state.account.accountId, changes.newClientOrderId),
        receivedAt: now,
        activeAt: new Date(Date.parse(now) + latencyFor(state.account.fillModel, state.account.seed, changes.newClientOrderId)).toISOString(),
        replaces: clientOrderId,
        carriedFilledQuantity: decString(order.filledQuantity),
        carriedFilledNotional: decString(order.filledNotional),
        carriedCommission: decString(order.commission),
        triggered: order.triggered,
      },
    },
  ];
}

// ---- Matching ----------------------------------------------------------------------------------

type Observation = { kind: 'quote'; quote: StandingQuote } | { kind: 'bar'; bar: ExchangeBar };

interface Liquidity {
  /** What is left for buys and for sells; undefined means no limit. */
  buy?: Decimal;
  sell?: Decimal;
  /** Bars share one volume budget between both sides. */
  shared: boolean;
}

function liquidityOf(observation: Observation, model: FillModel): Liquidity {
  if (observation.kind === 'quote') {
    const { quote } = observation;
    return {
      ...(quote.askSize ? { buy: Decimal.max(quote.askSize.minus(quote.takenByBuys), ZERO) } : {}),
      ...(quote.bidSize ? { sell: Decimal.max(quote.bidSize.minus(quote.takenBySells), ZERO) } : {}),
      shared: false,
    };
  }
  const budget = observation.bar.volume.mul(dec(model.participationRate)).floor();
  return { buy: budget, sell: budget, shared: true };
}

function consume(liquidity: Liquidity, direction: 'buy' | 'sell', quantity: Decimal): Liquidity {
  const take = (left: Decimal | undefined) => (left === undefined ? undefined : left.minus(quantity));
  if (liquidity.shared) return { buy: take(liquidity.buy), sell: take(liquidity.sell), shared: true };
  return direction === 'buy' ? { ...liquidity, buy: take(liquidity.buy) } : { ...liquidity, sell: take(liquidity.sell) };
}

/** Buys round up to the tick and sells down: a simulated price is never better than the tick allows. */
function toTickAgainst(price: Decimal, tick: Decimal, direction: 'buy' | 'sell'): Decimal {
  return Rounding.priceToTick(price, tick, direction === 'buy' ? 'sell' : 'buy');
}

function better(direction: 'buy' | 'sell', a: Decimal, b: Decimal): Decimal {
  return direction === 'buy' ? Decimal.min(a, b) : Decimal.max(a, b);
}

/** The price a taking order meets: the touch of a quote, the open of a bar. */
function takingReference(observation: Observation, direction: 'buy' | 'sell'): Decimal {
  if (observation.kind === 'bar') return observation.bar.open;
  return direction === 'buy' ? observation.quote.ask : observation.quote.bid;
}

function stopTrigger(order: SimulatedOrder, observation: Observation, direction: 'buy' | 'sell'): Decimal | undefined {
  const stop = order.stopPrice!;
  if (observation.kind === 'quote') {
    const touch = direction === 'buy' ? observation.quote.ask : observation.quote.bid;
    const hit = direction === 'buy' ? touch.gte(stop) : touch.lte(stop);
    return hit ? touch : undefined;
  }
  const { bar } = observation;
  if (direction === 'buy') return bar.high.gte(stop) ? Decimal.max(bar.open, stop) : undefined; // a gap through the stop fills at the open
  return bar.low.lte(stop) ? Decimal.min(bar.open, stop) : undefined;
}

/** Whether the market went beyond (or, by the touch rule, reached) a resting limit, and at what price it fills. */
function restingLimitPrice(observation: Observation, limit: Decimal, direction: 'buy' | 'sell', rule: FillModel['limitFillRule']): Decimal | undefined {
  const reaches = (price: Decimal) =>
    direction === 'buy' ? (rule === 'touch' ? price.lte(limit) : price.lt(limit)) : rule === 'touch' ? price.gte(limit) : price.gt(limit);
  if (observation.kind === 'quote') {
    return reaches(direction === 'buy' ? observation.quote.ask : observation.quote.bid) ? limit : undefined;
  }
  const { bar } = observation;
  if (reaches(bar.open)) return bar.open; // the market opened beyond the limit: the resting order gets the open
  return reaches(direction === 'buy' ? bar.low : bar.high) ? limit : undefined;
}

interface MatchContext {
  state: OpenSimulatedExchange;
  observation: Observation;
  at: string;
  arriving: boolean;
  liquidity: Liquidity;
}

/** One order against one market observation: its stop trigger, then at most one fill. */
function matchOrder(order: SimulatedOrder, context: MatchContext): { events: SimulatedExchangeEvent[]; filled: Decimal } {
  const { state, observation, at } = context;
  const model = state.account.fillModel;
  const direction = tradeDirection(order.side);
  const events: SimulatedExchangeEvent[] = [];
  let justTriggered: Decimal | undefined;
  if ((order.type === 'stop' || order.type === 'stop_limit') && !order.triggered) {
    justTriggered = stopTrigger(order, observation, direction);
    if (!justTriggered) return { events, filled: ZERO };
    events.push({ type: 'SimulatedStopTriggered', data: { clientOrderId: order.clientOrderId, triggerPrice: decString(justTriggered), triggeredAt: at } });
  }
  const taking = context.arriving || justTriggered !== undefined;
  const sequence = state.fillCount + 1;
  const slipped = (reference: Decimal) => {
    const bps = slippageBpsFor(model, state.account.seed, order.clientOrderId, sequence);
    const moved = direction === 'buy' ? reference.mul(BASIS_POINTS.plus(bps)).div(BASIS_POINTS) : reference.mul(BASIS_POINTS.minus(bps)).div(BASIS_POINTS);
    return toTickAgainst(moved, tickOf(state, order.symbol), direction);
  };

  let price: Decimal | undefined;
  let liquidity: 'maker' | 'taker' = 'taker';
  const reference = justTriggered ?? takingReference(observation, direction);
  if (order.type === 'market' || order.type === 'stop') {
    price = slipped(reference);
  } else {
    const limit = order.limitPrice!;
    const marketable = direction === 'buy' ? reference.lte(limit) : reference.gte(limit);
    if (taking && marketable) {
      price = better(direction, slipped(reference), limit);
    } else if (justTriggered === undefined && !(taking && observation.kind === 'quote')) {
      // Resting (or an arriving order that was not marketable at a bar's open): it waits at its limit.
      price = restingLimitPrice(observation, limit, direction, model.limitFillRule);
      liquidity = 'maker';
    }
  }
  if (!price) return { events, filled: ZERO };

  const remaining = order.quantity.minus(order.filledQuantity);
  const available = direction === 'buy' ? context.liquidity.buy : context.liquidity.sell;
  const lot = lotOf(state, order.symbol);
  const quantity = Rounding.quantityToLot(available === undefined ? remaining : Decimal.min(remaining, available), lot);
  if (!quantity.gt(0)) return { events, filled: ZERO };
  const fee = Decimal.max(commissionFor(model, order.filledQuantity.plus(quantity)).minus(order.commission), ZERO);
  events.push({
    type: 'SimulatedOrderFilled',
    data: {
      clientOrderId: order.clientOrderId,
      brokerOrderId: order.brokerOrderId,
      fillId: deterministicId('tollgate.sim.fill', state.account.accountId, sequence),
      sequence,
      symbol: order.symbol,
      side: direction,
      quantity: decString(quantity),
      price: decString(price),
      fee: decString(fee),
      liquidity,
      filledAt: at,
    },
  });
  return { events, filled: quantity };
}

/** Orders whose latency had elapsed by `time`. */
function activeBy(time: string, bound: 'inclusive' | 'exclusive'): (order: SimulatedOrder) => boolean {
  const limit = Date.parse(time);
  return (order) => (bound === 'inclusive' ? Date.parse(order.activeAt) <= limit : Date.parse(order.activeAt) < limit);
}

function matchSymbol(
  state: OpenSimulatedExchange,
  observation: Observation,
  at: string,
  eligible: (order: SimulatedOrder) => boolean,
): { events: SimulatedExchangeEvent[]; state: OpenSimulatedExchange } {
  const symbol = observation.kind === 'quote' ? observation.quote.symbol : observation.bar.symbol;
  const events: SimulatedExchangeEvent[] = [];
  let working = state;
  let liquidity = liquidityOf(observation, state.account.fillModel);
  const apply = (more: SimulatedExchangeEvent[]) => {
    for (const event of more) working = evolveExchange(working, event) as OpenSimulatedExchange;
    events.push(...more);
  };
  // Time priority: orders match in the order they arrived.
  for (const clientOrderId of state.openOrderIds) {
    const order = working.orders[clientOrderId];
    if (!order || order.status !== 'open' || order.symbol !== symbol) continue;
    if (!eligible(order)) continue;
    const arriving = !order.activated;
    if (arriving) apply([{ type: 'SimulatedOrderActivated', data: { clientOrderId, activatedAt: at } }]);
    const result = matchOrder(working.orders[clientOrderId]!, { state: working, observation, at, arriving, liquidity });
    apply(result.events);
    if (result.filled.gt(0)) liquidity = consume(liquidity, tradeDirection(order.side), result.filled);
    // IOC: whatever the arriving look did not fill is canceled at once.
    if (arriving && order.timeInForce === 'ioc' && working.orders[clientOrderId]!.status === 'open') {
      apply([{ type: 'SimulatedOrderCanceled', data: { clientOrderId, reason: 'ioc_remainder', canceledAt: at } }]);
    }
  }
  return { events, state: working };
}
