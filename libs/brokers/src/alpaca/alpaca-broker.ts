import { streaming, trading } from '@alpacahq/alpaca-trade-api';
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
} from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import type { AlpacaCredentials } from '../credentials';
import { isApiStatus, toBrokerError } from './errors';
import { mapAccount, mapFillActivity, mapOrder, mapPosition, mapStreamFill, toAlpacaSide, type AlpacaJson } from './mapping';

export interface AlpacaBrokerOptions {
  credentials: AlpacaCredentials;
  /** The port's name in events and errors. */
  name?: string;
  /** The trade_updates endpoint; derived from the base URL (`wss://<host>/stream`) when absent. */
  streamUrl?: string;
  /** Per-request deadline; a request past it is UNKNOWN, not failed. */
  timeoutMs?: number;
  /**
   * The SDK's automatic retry, which it applies to GET only (never to a submit, cancel or replace).
   * `false` leaves every retry to the caller's policy.
   */
  retry?: { maxRetries: number; retryDelayMs?: number; maxDelayMs?: number } | false;
  /** The SDK's client-side throttle; Alpaca allows about 200 requests a minute. */
  rateLimit?: { maxRequests: number; intervalMs: number } | false;
  /** Fills per account-activities page (Alpaca's maximum is 100). */
  activityPageSize?: number;
  /** Stream reconnect backoff. */
  reconnect?: { initialMs: number; maxMs: number };
}

type StreamState = 'idle' | 'connecting' | 'up' | 'down';

const OPEN_ORDERS_PAGE = 500;
const MAX_PAGES = 10_000;

/**
 * The broker port over Alpaca's Trading API v2, through the official SDK (`@alpacahq/alpaca-trade-api`
 * 4.x). Requests go through the SDK's generated `*Raw` methods (its URL building, auth headers,
 * time-out, GET retry, throttle and typed errors) and the JSON is read here, because the SDK's models
 * turn timestamps into Dates and its FILL-activity model drops the fill fields.
 */
export class AlpacaBroker implements BrokerPort {
  readonly name: string;
  private readonly orders: trading.OrdersApi;
  private readonly positionsApi: trading.PositionsApi;
  private readonly accounts: trading.AccountsApi;
  private readonly activities: trading.AccountActivitiesApi;
  private readonly streamUrl: string;
  private readonly pageSize: number;
  private readonly clientOrderIds = new Map<string, string>();
  private readonly listeners = new Set<(update: BrokerUpdate) => void>();
  private stream: streaming.TradingStream | null = null;
  private streamState: StreamState = 'idle';
  private lastStreamError = '';
  private readonly streamReadyWaiters: Array<() => void> = [];
  private readonly replacedAwaitingNew = new Map<string, BrokerOrder>();
  private readonly newAwaitingReplaced = new Map<string, BrokerOrder>();
  private readonly seenStreamFills = new Set<string>();

  constructor(private readonly options: AlpacaBrokerOptions) {
    this.name = options.name ?? 'alpaca';
    const retry = options.retry === undefined ? { maxRetries: 2 } : options.retry;
    const rateLimit = options.rateLimit === undefined ? { maxRequests: 190, intervalMs: 60_000 } : options.rateLimit;
    const configuration = new trading.Configuration({
      basePath: options.credentials.baseUrl,
      keyId: options.credentials.keyId,
      secret: options.credentials.secret.reveal(),
      timeoutMs: options.timeoutMs ?? 10_000,
      retry: retry === false ? undefined : retry,
      rateLimit: rateLimit === false ? undefined : rateLimit,
    });
    this.orders = new trading.OrdersApi(configuration);
    this.positionsApi = new trading.PositionsApi(configuration);
    this.accounts = new trading.AccountsApi(configuration);
    this.activities = new trading.AccountActivitiesApi(configuration);
    this.streamUrl = options.streamUrl ?? streamUrlFor(options.credentials.baseUrl);
    this.pageSize = Math.min(100, Math.max(1, options.activityPageSize ?? 100));
  }

  async submit(request: OrderRequest): Promise<BrokerOrder> {
    const { side, positionIntent } = toAlpacaSide(request.side);
    try {
      const response = await this.orders.postOrderRaw({
        postOrderRequest: {
          clientOrderId: request.clientOrderId,
          symbol: request.symbol,
          qty: request.quantity,
          side,
          type: request.type,
          timeInForce: request.timeInForce,
          limitPrice: request.limitPrice,
          stopPrice: request.stopPrice,
          positionIntent,
        },
      });
      return this.remember(mapOrder(await json(response)));
    } catch (error) {
      if (isDuplicateClientOrderId(error)) return this.existingOrderFor(request);
      throw toBrokerError(this.name, 'submit', error);
    }
  }

  async cancel(clientOrderId: string): Promise<void> {
    const order = await this.requireOrder(clientOrderId, 'cancel');
    try {
      const response = await this.orders.deleteOrderByOrderIDRaw({ orderId: order.brokerOrderId });
      // An unread body keeps the connection busy (and the process alive); a 204 has none to speak of.
      await response.raw.arrayBuffer().catch(() => undefined);
    } catch (error) {
      if (!isApiStatus(error, 422)) throw toBrokerError(this.name, 'cancel', error);
      // Not cancelable: fine if it is already cancelled (a retried cancel), a rejection otherwise.
      const now = await this.getOrder(clientOrderId);
      if (now && (now.status === 'canceled' || now.status === 'pending_cancel')) return;
      throw new BrokerRejectedError(this.name, 'cancel', `order ${clientOrderId} is ${now?.status ?? 'gone'} and cannot be cancelled`);
    }
  }

  async replace(clientOrderId: string, changes: ReplaceRequest): Promise<BrokerOrder> {
    const order = await this.requireOrder(clientOrderId, 'replace');
    try {
      const response = await this.orders.patchOrderByOrderIdRaw({
        orderId: order.brokerOrderId,
        patchOrderRequest: {
          clientOrderId: changes.newClientOrderId,
          qty: changes.quantity,
          limitPrice: changes.limitPrice,
          stopPrice: changes.stopPrice,
        },
      });
      return this.remember(mapOrder(await json(response)));
    } catch (error) {
      if (isDuplicateClientOrderId(error)) {
        // A retried replace: the replacement already exists if it replaces this very order.
        const existing = await this.getOrder(changes.newClientOrderId);
        if (existing) {
          const raw = await this.rawOrderById(existing.brokerOrderId);
          if (raw.replaces === order.brokerOrderId) return existing;
        }
        throw new BrokerRejectedError(this.name, 'replace', `client order id ${changes.newClientOrderId} was already used for another order`);
      }
      throw toBrokerError(this.name, 'replace', error);
    }
  }

  async getOrder(clientOrderId: string): Promise<BrokerOrder | null> {
    try {
      const response = await this.orders.getOrderByClientOrderIdRaw({ clientOrderId });
      return this.remember(mapOrder(await json(response)));
    } catch (error) {
      if (isApiStatus(error, 404)) return null;
      throw toBrokerError(this.name, 'getOrder', error);
    }
  }

  async openOrders(): Promise<BrokerOrder[]> {
    const result: BrokerOrder[] = [];
    let afterOrderId: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const response = await this.orders.getAllOrdersRaw({ status: 'open', limit: OPEN_ORDERS_PAGE, direction: 'asc', afterOrderId });
        const items = (await json<AlpacaJson[]>(response)).map((raw) => this.remember(mapOrder(raw)));
        result.push(...items);
        if (items.length < OPEN_ORDERS_PAGE) return result;
        afterOrderId = items[items.length - 1]!.brokerOrderId;
      }
    } catch (error) {
      throw toBrokerError(this.name, 'openOrders', error);
    }
    throw new BrokerUnavailableError(this.name, 'openOrders', `more than ${MAX_PAGES} pages of open orders`);
  }

  async positions(): Promise<BrokerPosition[]> {
    try {
      const response = await this.positionsApi.getAllOpenPositionsRaw();
      return (await json<AlpacaJson[]>(response)).map(mapPosition);
    } catch (error) {
      throw toBrokerError(this.name, 'positions', error);
    }
  }

  async account(): Promise<BrokerAccount> {
    try {
      return mapAccount(await json(await this.accounts.getAccountRaw()));
    } catch (error) {
      throw toBrokerError(this.name, 'account', error);
    }
  }

  /**
   * Fills after the cursor (an activity id, exclusive), oldest first, every page. Alpaca's activities
   * do not carry the client order id; it is looked up by order id (cached, one bulk listing first).
   */
  async fillsSince(cursor: string | null): Promise<{ fills: BrokerFill[]; cursor: string | null }> {
    const activities: AlpacaJson[] = [];
    let token = cursor ?? undefined;
    try {
      for (let page = 0; ; page += 1) {
        if (page >= MAX_PAGES) throw new BrokerUnavailableError(this.name, 'fillsSince', `more than ${MAX_PAGES} pages of fills`);
        const response = await this.activities.getAccountActivitiesByActivityTypeRaw({
          activityType: 'FILL',
          direction: 'asc',
          pageSize: this.pageSize,
          pageToken: token,
        });
        const items = await json<AlpacaJson[]>(response);
        activities.push(...items);
        if (items.length < this.pageSize) break;
        token = String(items[items.length - 1]!.id);
      }
      await this.resolveClientOrderIds(activities.map((item) => String(item.order_id)));
    } catch (error) {
      throw toBrokerError(this.name, 'fillsSince', error);
    }
    const fills = activities.map((item) => mapFillActivity(item, this.clientOrderIds.get(String(item.order_id))!));
    const last = activities[activities.length - 1];
    return { fills, cursor: last ? String(last.id) : cursor };
  }

  onUpdate(listener: (update: BrokerUpdate) => void): () => void {
    this.listeners.add(listener);
    this.ensureStream();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopStream();
    };
  }

  /** Resolves once the trade_updates subscription is acknowledged (false after `timeoutMs`). */
  whenStreamListening(timeoutMs = 10_000): Promise<boolean> {
    if (this.streamState === 'up') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.streamReadyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.stopStream();
  }

  // --- orders by client id ------------------------------------------------------------------------------

  private async requireOrder(clientOrderId: string, operation: string): Promise<BrokerOrder> {
    const order = await this.getOrder(clientOrderId);
    if (!order) throw new BrokerRejectedError(this.name, operation, `no order with client order id ${clientOrderId}`);
    return order;
  }

  /** The venue refused a second order with this client id: the first one landed. Same terms → it is ours. */
  private async existingOrderFor(request: OrderRequest): Promise<BrokerOrder> {
    const existing = await this.getOrder(request.clientOrderId);
    if (existing === null) {
      throw new BrokerUnavailableError(this.name, 'submit', `client order id ${request.clientOrderId} was refused as a duplicate but could not be found`);
    }
    const sameTerms =
      existing.symbol === request.symbol &&
      toAlpacaSide(existing.side).side === toAlpacaSide(request.side).side &&
      dec(existing.quantity).eq(dec(request.quantity)) &&
      existing.type === request.type;
    if (!sameTerms) {
      throw new BrokerRejectedError(this.name, 'submit', `client order id ${request.clientOrderId} was already used for a different order`);
    }
    return existing;
  }

  private async rawOrderById(orderId: string): Promise<AlpacaJson> {
    return json(await this.orders.getOrderByOrderIDRaw({ orderId }));
  }

  private remember(order: BrokerOrder): BrokerOrder {
    this.clientOrderIds.set(order.brokerOrderId, order.clientOrderId);
    return order;
  }

  private async resolveClientOrderIds(orderIds: string[]): Promise<void> {
    const missing = () => [...new Set(orderIds)].filter((id) => !this.clientOrderIds.has(id));
    if (missing().length === 0) return;
    // One listing of the latest orders usually covers a backfill; the rest one by one.
    const recent = await this.orders.getAllOrdersRaw({ status: 'all', limit: OPEN_ORDERS_PAGE, direction: 'desc' });
    for (const raw of await json<AlpacaJson[]>(recent)) this.clientOrderIds.set(String(raw.id), String(raw.client_order_id));
    for (const orderId of missing()) {
      const raw = await this.rawOrderById(orderId);
      this.clientOrderIds.set(orderId, String(raw.client_order_id));
    }
  }

  // --- trade_updates ------------------------------------------------------------------------------------

  private ensureStream(): void {
    if (this.stream) return;
    const stream = new streaming.TradingStream({
      credentials: { keyId: this.options.credentials.keyId, secret: this.options.credentials.secret.reveal() },
      url: this.streamUrl,
      maxReconnectAttempts: streaming.UNLIMITED_RECONNECT_ATTEMPTS,
      initialReconnectMs: this.options.reconnect?.initialMs ?? 1000,
      maxReconnectMs: this.options.reconnect?.maxMs ?? 30_000,
    });
    this.stream = stream;
    this.streamState = 'connecting';
    stream.onTradeUpdate((update) => this.handleTradeUpdate(update as unknown as AlpacaJson));
    stream.onError((message) => {
      this.lastStreamError = message;
    });
    stream.onDisconnect(() => {
      if (this.stream !== stream) return;
      const wasUp = this.streamState === 'up' || this.streamState === 'connecting';
      this.streamState = 'down';
      if (wasUp) this.emit({ kind: 'disconnected', reason: this.lastStreamError || 'trade_updates stream closed' });
    });
    stream.on(streaming.EVENT.SUBSCRIPTION, (streams: unknown) => {
      if (this.stream !== stream || !Array.isArray(streams) || !streams.includes('trade_updates')) return;
      const wasDown = this.streamState === 'down';
      this.streamState = 'up';
      this.lastStreamError = '';
      if (wasDown) this.emit({ kind: 'reconnected' });
      for (const resolve of this.streamReadyWaiters.splice(0)) resolve();
    });
    stream.subscribeTradeUpdates();
    stream.connect();
  }

  private stopStream(): void {
    const stream = this.stream;
    this.stream = null;
    this.streamState = 'idle';
    stream?.disconnect();
  }

  private handleTradeUpdate(update: AlpacaJson): void {
    let order: BrokerOrder;
    try {
      order = this.remember(mapOrder(update.order as AlpacaJson));
    } catch (error) {
      this.lastStreamError = `unreadable trade update: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    const raw = update.order as AlpacaJson;
    switch (update.event) {
      case 'new':
      case 'accepted':
      case 'pending_new': {
        const replaces = typeof raw.replaces === 'string' ? raw.replaces : null;
        if (!replaces) return this.emit({ kind: 'accepted', order });
        const replaced = this.replacedAwaitingNew.get(replaces);
        if (replaced) {
          this.replacedAwaitingNew.delete(replaces);
          return this.emit({ kind: 'replaced', order: replaced, replacedBy: order });
        }
        this.newAwaitingReplaced.set(replaces, order);
        return;
      }
      case 'replaced': {
        const replacement = this.newAwaitingReplaced.get(order.brokerOrderId);
        if (replacement) {
          this.newAwaitingReplaced.delete(order.brokerOrderId);
          return this.emit({ kind: 'replaced', order, replacedBy: replacement });
        }
        this.replacedAwaitingNew.set(order.brokerOrderId, order);
        return;
      }
      case 'fill':
      case 'partial_fill': {
        const fill = mapStreamFill(update, order);
        // Alpaca has been seen to replay trade updates; one fill is reported once.
        if (this.seenStreamFills.has(fill.fillId)) return;
        this.seenStreamFills.add(fill.fillId);
        if (this.seenStreamFills.size > 50_000) this.seenStreamFills.delete(this.seenStreamFills.values().next().value!);
        return this.emit({ kind: 'fill', order, fill });
      }
      case 'canceled':
        return this.emit({ kind: 'canceled', order });
      case 'expired':
        return this.emit({ kind: 'expired', order });
      case 'rejected':
        return this.emit({ kind: 'rejected', order, reason: typeof update.reason === 'string' ? update.reason : 'rejected by the venue' });
      default:
        // pending_cancel, pending_replace, done_for_day, order_cancel_rejected, …: state is read back by getOrder.
        return;
    }
  }

  private emit(update: BrokerUpdate): void {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch {
        // A listener's failure is its own; the stream keeps delivering to the others.
      }
    }
  }
}

function isDuplicateClientOrderId(error: unknown): boolean {
  return isApiStatus(error, 422) && /client_order_id must be unique/i.test(error.message);
}

async function json<T = AlpacaJson>(response: { raw: Response }): Promise<T> {
  return (await response.raw.json()) as T;
}

/** `https://paper-api.alpaca.markets` → `wss://paper-api.alpaca.markets/stream`, as Alpaca documents. */
export function streamUrlFor(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/stream';
  url.search = '';
  return url.toString();
}
