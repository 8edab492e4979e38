import { dec, decString, DomainError, ZERO, type Decimal } from '@tollgate/kernel';
import type {
  BrokerFill,
  BrokerOrder,
  BrokerOrderStatus,
  OrderSide,
  OrderType,
  SimulatedExchangeEvent,
  SimulatedExchangeEventOf,
  TimeInForce,
} from '@tollgate/contracts';
import type { Instrument } from '../instrument';
import { applyFill, emptyLedger, type LedgerState } from '../ledger';
import type { FillModel } from './fill-model';

export interface SimulatedAccount {
  accountId: string;
  currency: string;
  initialCash: Decimal;
  seed: number;
  fillModel: FillModel;
  instruments: Readonly<Record<string, Instrument>>;
}

export type SimulatedOrderStatus = 'open' | 'filled' | 'canceled' | 'expired' | 'replaced' | 'rejected';

export interface SimulatedOrder {
  clientOrderId: string;
  brokerOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Total quantity, including what a replaced predecessor had filled. */
  quantity: Decimal;
  limitPrice?: Decimal;
  stopPrice?: Decimal;
  status: SimulatedOrderStatus;
  /** Time priority: the order in which orders arrived. */
  arrival: number;
  receivedAt: string;
  activeAt: string;
  /** Has had its first look at the market (it matched then as an arriving order). */
  activated: boolean;
  triggered: boolean;
  filledQuantity: Decimal;
  filledNotional: Decimal;
  commission: Decimal;
  updatedAt: string;
  replaces?: string;
  replacedBy?: string;
  rejectReason?: string;
}

export interface SimulatedFill {
  sequence: number;
  fillId: string;
  clientOrderId: string;
  brokerOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: Decimal;
  price: Decimal;
  fee: Decimal;
  liquidity: 'maker' | 'taker';
  filledAt: string;
}

export interface OpenSimulatedExchange {
  status: 'Open';
  account: SimulatedAccount;
  orders: Readonly<Record<string, SimulatedOrder>>;
  /** Client order ids of open orders, by arrival. */
  openOrderIds: readonly string[];
  orderCount: number;
  fillCount: number;
  /** Positions and cash, by the same FIFO ledger Tollgate keeps. */
  ledger: LedgerState;
}

export type SimulatedExchangeState = { status: 'NotOpened' } | OpenSimulatedExchange;

export const initialExchangeState: SimulatedExchangeState = { status: 'NotOpened' };

function optional(value: string | undefined): Decimal | undefined {
  return value === undefined ? undefined : dec(value);
}

function requireOpen(state: SimulatedExchangeState, event: SimulatedExchangeEvent): OpenSimulatedExchange {
  if (state.status !== 'Open') throw new DomainError('SIMULATED_EXCHANGE_NOT_OPEN', `${event.type} arrived before SimulatedAccountOpened`);
  return state;
}

function requireOrder(state: OpenSimulatedExchange, clientOrderId: string, event: SimulatedExchangeEvent): SimulatedOrder {
  const order = state.orders[clientOrderId];
  if (!order) throw new DomainError('SIMULATED_ORDER_NOT_FOUND', `${event.type} names unknown client order id ${clientOrderId}`);
  return order;
}

function withOrder(state: OpenSimulatedExchange, order: SimulatedOrder): OpenSimulatedExchange {
  const wasOpen = state.orders[order.clientOrderId]?.status === 'open';
  const isOpen = order.status === 'open';
  let openOrderIds = state.openOrderIds;
  if (wasOpen && !isOpen) openOrderIds = openOrderIds.filter((id) => id !== order.clientOrderId);
  if (!wasOpen && isOpen) openOrderIds = [...openOrderIds, order.clientOrderId];
  return { ...state, orders: { ...state.orders, [order.clientOrderId]: order }, openOrderIds };
}

function orderFromTerms(
  state: OpenSimulatedExchange,
  data: SimulatedExchangeEventOf<'SimulatedOrderAccepted'>['data'] | SimulatedExchangeEventOf<'SimulatedOrderRejected'>['data'],
  at: string,
): SimulatedOrder {
  return {
    clientOrderId: data.clientOrderId,
    brokerOrderId: data.brokerOrderId,
    symbol: data.symbol,
    side: data.side,
    type: data.type,
    timeInForce: data.timeInForce,
    quantity: dec(data.quantity),
    ...(data.limitPrice === undefined ? {} : { limitPrice: optional(data.limitPrice) }),
    ...(data.stopPrice === undefined ? {} : { stopPrice: optional(data.stopPrice) }),
    status: 'open',
    arrival: state.orderCount + 1,
    receivedAt: at,
    activeAt: at,
    activated: false,
    triggered: false,
    filledQuantity: ZERO,
    filledNotional: ZERO,
    commission: ZERO,
    updatedAt: at,
  };
}

/** Applies one recorded event. Folding the stream from the start rebuilds the exchange exactly. */
export function evolveExchange(state: SimulatedExchangeState, event: SimulatedExchangeEvent): SimulatedExchangeState {
  if (event.type === 'SimulatedAccountOpened') {
    if (state.status === 'Open') throw new DomainError('SIMULATED_ACCOUNT_ALREADY_OPEN', `account ${state.account.accountId} was opened twice`);
    const data = event.data;
    return {
      status: 'Open',
      account: {
        accountId: data.accountId,
        currency: data.currency,
        initialCash: dec(data.initialCash),
        seed: data.seed,
        fillModel: data.fillModel,
        instruments: Object.fromEntries(data.instruments.map((instrument) => [instrument.symbol, instrument])),
      },
      orders: {},
      openOrderIds: [],
      orderCount: 0,
      fillCount: 0,
      ledger: emptyLedger(dec(data.initialCash)),
    };
  }
  const open = requireOpen(state, event);
  switch (event.type) {
    case 'SimulatedOrderAccepted': {
      const data = event.data;
      const order: SimulatedOrder = {
        ...orderFromTerms(open, data, data.receivedAt),
        activeAt: data.activeAt,
        triggered: data.triggered,
        filledQuantity: dec(data.carriedFilledQuantity),
        filledNotional: dec(data.carriedFilledNotional),
        commission: dec(data.carriedCommission),
        ...(data.replaces ? { replaces: data.replaces } : {}),
      };
      return { ...withOrder(open, order), orderCount: open.orderCount + 1 };
    }
    case 'SimulatedOrderRejected': {
      const order: SimulatedOrder = { ...orderFromTerms(open, event.data, event.data.rejectedAt), status: 'rejected', rejectReason: event.data.reason };
      return { ...withOrder(open, order), orderCount: open.orderCount + 1 };
    }
    case 'SimulatedOrderActivated': {
      const order = requireOrder(open, event.data.clientOrderId, event);
      return withOrder(open, { ...order, activated: true, updatedAt: event.data.activatedAt });
    }
    case 'SimulatedStopTriggered': {
      const order = requireOrder(open, event.data.clientOrderId, event);
      return withOrder(open, { ...order, triggered: true, updatedAt: event.data.triggeredAt });
    }
    case 'SimulatedOrderFilled': {
      const data = event.data;
      const order = requireOrder(open, data.clientOrderId, event);
      const quantity = dec(data.quantity);
      const price = dec(data.price);
      const fee = dec(data.fee);
      const filledQuantity = order.filledQuantity.plus(quantity);
      if (filledQuantity.gt(order.quantity)) {
        throw new DomainError('SIMULATED_OVERFILL', `fill ${data.fillId} would overfill ${order.clientOrderId}`);
      }
      const filled: SimulatedOrder = {
        ...order,
        filledQuantity,
        filledNotional: order.filledNotional.plus(quantity.mul(price)),
        commission: order.commission.plus(fee),
        status: filledQuantity.eq(order.quantity) ? 'filled' : order.status,
        updatedAt: data.filledAt,
      };
      return {
        ...withOrder(open, filled),
        fillCount: data.sequence,
        ledger: applyFill(open.ledger, { symbol: data.symbol, side: data.side, quantity, price, fee, at: data.filledAt, fillId: data.fillId }),
      };
    }
    case 'SimulatedOrderCanceled': {
      const order = requireOrder(open, event.data.clientOrderId, event);
      return withOrder(open, { ...order, status: 'canceled', updatedAt: event.data.canceledAt });
    }
    case 'SimulatedOrderExpired': {
      const order = requireOrder(open, event.data.clientOrderId, event);
      return withOrder(open, { ...order, status: 'expired', updatedAt: event.data.expiredAt });
    }
    case 'SimulatedOrderReplaced': {
      const order = requireOrder(open, event.data.clientOrderId, event);
      return withOrder(open, { ...order, status: 'replaced', replacedBy: event.data.replacedBy, updatedAt: event.data.replacedAt });
    }
  }
}

export function rebuildExchange(events: Iterable<SimulatedExchangeEvent>): SimulatedExchangeState {
  let state = initialExchangeState;
  for (const event of events) state = evolveExchange(state, event);
  return state;
}

function brokerStatus(order: SimulatedOrder): BrokerOrderStatus {
  switch (order.status) {
    case 'open':
      if (order.filledQuantity.gt(0)) return 'partially_filled'; // a replacement carries its predecessor's fills
      return order.activated ? 'new' : 'accepted';
    default:
      return order.status;
  }
}

/** The order as the broker port reports it. */
export function toBrokerOrder(order: SimulatedOrder): BrokerOrder {
  return {
    brokerOrderId: order.brokerOrderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    quantity: decString(order.quantity),
    filledQuantity: decString(order.filledQuantity),
    averageFillPrice: order.filledQuantity.gt(0) ? decString(order.filledNotional.div(order.filledQuantity).toDecimalPlaces(8)) : null,
    limitPrice: order.limitPrice ? decString(order.limitPrice) : null,
    stopPrice: order.stopPrice ? decString(order.stopPrice) : null,
    status: brokerStatus(order),
    submittedAt: order.receivedAt,
    updatedAt: order.updatedAt,
    ...(order.rejectReason ? { rejectReason: order.rejectReason } : {}),
  };
}

export function fillFromEvent(data: SimulatedExchangeEventOf<'SimulatedOrderFilled'>['data']): SimulatedFill {
  return {
    sequence: data.sequence,
    fillId: data.fillId,
    clientOrderId: data.clientOrderId,
    brokerOrderId: data.brokerOrderId,
    symbol: data.symbol,
    side: data.side,
    quantity: dec(data.quantity),
    price: dec(data.price),
    fee: dec(data.fee),
    liquidity: data.liquidity,
    filledAt: data.filledAt,
  };
}

export function toBrokerFill(fill: SimulatedFill): BrokerFill {
  return {
    fillId: fill.fillId,
    brokerOrderId: fill.brokerOrderId,
    clientOrderId: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    quantity: decString(fill.quantity),
    price: decString(fill.price),
    fee: decString(fill.fee),
    filledAt: fill.filledAt,
  };
}
