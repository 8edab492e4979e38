import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { accountJson, fillActivityJson, orderJson, positionJson } from './alpaca-json';
import { WORKING, type OrderState } from './book';
import { FaultInjector, RateLimiter, type FaultRule } from './faults';
import { marketDataRoute } from './market-data-routes';
import { AlpacaApiFailure, failures, type SandboxVenue, type TradeUpdate } from './venue';

export interface SandboxIdentity {
  keyId: string;
  secret: string;
  accountId: string;
  accountNumber: string;
  createdAt: string;
}

interface Reply {
  status: number;
  body?: unknown;
  /** JSON text built by the route (market data, whose numbers must be written exactly); wins over `body`. */
  json?: string;
}

const ACTIVITY_TYPES = new Set([
  'FILL', 'TRANS', 'MISC', 'ACATC', 'ACATS', 'CFEE', 'CSD', 'CSW', 'DIV', 'DIVCGL', 'DIVCGS', 'DIVFEE', 'DIVFT', 'DIVNRA', 'DIVROC', 'DIVTW',
  'DIVTXEX', 'FEE', 'INT', 'INTNRA', 'INTTW', 'JNL', 'JNLC', 'JNLS', 'MA', 'NC', 'OPASN', 'OPEXP', 'OPXRC', 'PTC', 'PTR', 'REORG', 'SC', 'SSO', 'SSP',
]);

/**
 * The HTTP + WebSocket face of the sandbox: Alpaca's Trading API v2 paths and shapes under `/v2`,
 * the Market Data API v2 latest-quote paths under `/v2/stocks` (Alpaca serves them from another host;
 * here one base URL serves both), the `trade_updates` stream at `/stream`, and the test hooks under `/admin`.
 */
export class SandboxServer {
  readonly faults = new FaultInjector();
  readonly rateLimiter: RateLimiter;
  /** Alpaca counts market-data requests apart from trading ones: a quote poll must not starve order calls. */
  readonly dataRateLimiter: RateLimiter;
  private readonly server: Server;
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly listeners = new Set<WebSocket>();
  private refuseStreamUntil = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly venue: SandboxVenue,
    private readonly identity: SandboxIdentity,
    rateLimit: { limit: number; windowMs: number },
    dataRateLimit: { limit: number; windowMs: number } = rateLimit,
  ) {
    this.rateLimiter = new RateLimiter(rateLimit.limit, rateLimit.windowMs);
    this.dataRateLimiter = new RateLimiter(dataRateLimit.limit, dataRateLimit.windowMs);
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('upgrade', (request, socket, head) => this.upgrade(request, socket, head));
    this.sockets.on('connection', (socket) => this.streamConnection(socket));
    this.unsubscribe = venue.onTradeUpdate((update) => this.broadcast(update));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  async close(): Promise<void> {
    this.unsubscribe();
    for (const socket of this.listeners) socket.terminate();
    this.sockets.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Cuts every trade_updates connection; refuses new ones for `refuseMs` (updates meanwhile are lost, as at Alpaca). */
  disconnectStreams(refuseMs = 0): number {
    const count = this.listeners.size;
    this.refuseStreamUntil = Date.now() + refuseMs;
    for (const socket of this.listeners) socket.terminate();
    this.listeners.clear();
    return count;
  }

  // --- HTTP -------------------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const method = (request.method ?? 'GET').toUpperCase();
    response.setHeader('X-Request-ID', randomUUID());
    try {
      if (!this.authorized(request)) return send(response, { status: 401, body: { code: 40110000, message: 'request is not authorized' } });
      const body = await readBody(request);
      if (url.pathname.startsWith('/admin/')) return send(response, this.admin(method, url, body));
      if (!url.pathname.startsWith('/v2/')) return send(response, { status: 404, body: { code: 40410000, message: 'endpoint not found' } });

      const limiter = url.pathname.startsWith('/v2/stocks/') ? this.dataRateLimiter : this.rateLimiter;
      const limit = limiter.hit(String(request.headers['apca-api-key-id']), Date.now());
      response.setHeader('X-RateLimit-Limit', String(limit.limit));
      response.setHeader('X-RateLimit-Remaining', String(limit.remaining));
      response.setHeader('X-RateLimit-Reset', String(Math.ceil(limit.resetAt / 1000)));
      if (!limit.allowed) return send(response, { status: 429, body: { code: 42910000, message: 'rate limit exceeded' } });

      const fault = this.faults.take(method, url.pathname);
      if (fault?.action === 'status') {
        if (method === 'POST' && url.pathname === '/v2/orders') this.venue.recordFaultedSubmit(body, fault.status!);
        return send(response, { status: fault.status!, body: { code: fault.status! * 100000, message: `fault injected: HTTP ${fault.status}` } });
      }
      if (fault?.action === 'delay_before_processing') await delay(fault.delayMs!);
      const reply = this.route(method, url, body);
      await this.answer(response, reply, fault);
    } catch (error) {
      if (error instanceof AlpacaApiFailure) return send(response, { status: error.status, body: { code: error.code, message: error.message } });
      if (error instanceof SyntaxError) return send(response, { status: 400, body: { code: 40010000, message: 'request body format is invalid' } });
      send(response, { status: 500, body: { code: 50010000, message: error instanceof Error ? error.message : String(error) } });
    }
  }

  private async answer(response: ServerResponse, reply: Reply, fault: FaultRule | null): Promise<void> {
    switch (fault?.action) {
      case 'drop_after_processing':
        response.socket?.destroy();
        return;
      case 'status_after_processing':
        return send(response, { status: fault.status!, body: { code: fault.status! * 100000, message: `fault injected after processing: HTTP ${fault.status}` } });
      case 'delay_after_processing':
        await delay(fault.delayMs!);
        if (!response.socket || response.socket.destroyed) return;
        return send(response, reply);
      default:
        return send(response, reply);
    }
  }

  private route(method: string, url: URL, body: unknown): Reply {
    const data = marketDataRoute(this.venue, method, url);
    if (data) return data;
    const path = url.pathname;
    const query = url.searchParams;
    if (path === '/v2/account' && method === 'GET') {
      return ok(accountJson(this.venue.book, this.identity.accountId, this.identity.accountNumber, this.identity.createdAt));
    }
    if (path === '/v2/clock' && method === 'GET') {
      const now = new Date().toISOString();
      return ok({ timestamp: now, is_open: true, next_open: now, next_close: now });
    }
    if (path === '/v2/orders') {
      if (method === 'POST') return ok(orderJson(this.venue.submit(body, 'api')));
      if (method === 'GET') return ok(this.listOrders(query).map(orderJson));
      if (method === 'DELETE') return { status: 207, body: this.venue.cancelAll().map((item) => ({ id: item.id, status: item.status })) };
    }
    if (path === '/v2/orders:by_client_order_id' && method === 'GET') {
      const clientOrderId = query.get('client_order_id');
      if (!clientOrderId) throw failures.unprocessable('client_order_id is required');
      const order = this.venue.findByClientOrderId(clientOrderId);
      if (!order) throw failures.notFound('order not found');
      return ok(orderJson(order));
    }
    const orderPath = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (orderPath) {
      const orderId = decodeURIComponent(orderPath[1]!);
      if (method === 'GET') {
        const order = this.venue.book.orders.get(orderId);
        if (!order) throw failures.notFound('order not found');
        return ok(orderJson(order));
      }
      if (method === 'DELETE') {
        this.venue.cancel(orderId);
        return { status: 204 };
      }
      if (method === 'PATCH') return ok(orderJson(this.venue.replace(orderId, body)));
    }
    if (path === '/v2/positions' && method === 'GET') {
      return ok([...this.venue.book.positions.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)).map((position) => positionJson(position, this.venue.book)));
    }
    const positionPath = /^\/v2\/positions\/([^/]+)$/.exec(path);
    if (positionPath && method === 'GET') {
      const position = this.venue.book.positions.get(decodeURIComponent(positionPath[1]!));
      if (!position) throw failures.notFound('position does not exist');
      return ok(positionJson(position, this.venue.book));
    }
    if (path === '/v2/account/activities' && method === 'GET') {
      const types = (query.get('activity_types') ?? 'FILL').split(',').map((item) => item.trim().toUpperCase());
      for (const type of types) if (!ACTIVITY_TYPES.has(type)) throw failures.unprocessable(`invalid activity type: ${type}`);
      return ok(types.includes('FILL') ? this.activities(query) : []);
    }
    const activityPath = /^\/v2\/account\/activities\/([^/]+)$/.exec(path);
    if (activityPath && method === 'GET') {
      const type = decodeURIComponent(activityPath[1]!).toUpperCase();
      if (!ACTIVITY_TYPES.has(type)) throw failures.unprocessable(`invalid activity type: ${type}`);
      return ok(type === 'FILL' ? this.activities(query) : []);
    }
    throw new AlpacaApiFailure(404, 40410000, `endpoint not found: ${method} ${path}`);
  }

  /** GET /v2/orders: status open (default) | closed | all; limit (default 50, max 500); after/until; direction (default desc). */
  private listOrders(query: URLSearchParams): OrderState[] {
    const status = query.get('status') ?? 'open';
    if (!['open', 'closed', 'all'].includes(status)) throw failures.unprocessable(`invalid status: ${status}`);
    const limit = parseLimit(query.get('limit'), 50, 500, 'limit');
    const direction = parseDirection(query.get('direction'));
    const after = query.get('after');
    const until = query.get('until');
    const symbols = query.get('symbols')?.split(',').map((item) => item.trim()).filter(Boolean);
    let orders = [...this.venue.book.orders.values()].filter((order) =>
      status === 'all' ? true : status === 'open' ? WORKING.has(order.status) : !WORKING.has(order.status),
    );
    if (after) orders = orders.filter((order) => order.createdAt > normalizeTime(after));
    if (until) orders = orders.filter((order) => order.createdAt < normalizeTime(until));
    if (symbols?.length) orders = orders.filter((order) => symbols.includes(order.symbol));
    // Insertion order is submission order; the journal sequence breaks ties within a millisecond.
    if (direction === 'desc') orders.reverse();
    const afterOrderId = query.get('after_order_id');
    if (afterOrderId) {
      const index = orders.findIndex((order) => order.id === afterOrderId);
      if (index === -1) throw failures.unprocessable(`invalid after_order_id: ${afterOrderId}`);
      orders = orders.slice(index + 1);
    }
    return orders.slice(0, limit);
  }

  /**
   * GET /v2/account/activities/FILL. `page_token` is the id of the last item of the previous page:
   * with direction asc the page starts right after it, with desc it ends right before it.
   */
  private activities(query: URLSearchParams): Array<Record<string, unknown>> {
    const direction = parseDirection(query.get('direction'));
    const pageSize = parseLimit(query.get('page_size'), 100, 100, 'page_size');
    const after = query.get('after');
    const until = query.get('until');
    const date = query.get('date');
    let fills = [...this.venue.book.fills];
    if (date) fills = fills.filter((fill) => fill.transactionTime.slice(0, 10) === date.slice(0, 10));
    if (after) fills = fills.filter((fill) => fill.transactionTime > normalizeTime(after));
    if (until) fills = fills.filter((fill) => fill.transactionTime < normalizeTime(until));
    if (direction === 'desc') fills.reverse();
    const token = query.get('page_token');
    if (token) {
      const index = fills.findIndex((fill) => fill.id === token);
      if (index === -1) throw failures.unprocessable(`invalid page_token: ${token}`);
      fills = fills.slice(index + 1);
    }
    return fills.slice(0, pageSize).map(fillActivityJson);
  }

  // --- Admin: test hooks for drills ---------------------------------------------------------------------

  private admin(method: string, url: URL, body: unknown): Reply {
    const path = url.pathname;
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (path === '/admin/order-log' && method === 'GET') {
      const entries = this.venue.book.submitLog;
      const acceptedPerClientOrderId = new Map<string, number>();
      for (const entry of entries) {
        if (entry.outcome === 'accepted' && entry.clientOrderId) {
          acceptedPerClientOrderId.set(entry.clientOrderId, (acceptedPerClientOrderId.get(entry.clientOrderId) ?? 0) + 1);
        }
      }
      return ok({
        entries,
        summary: {
          received: entries.length,
          accepted: entries.filter((entry) => entry.outcome === 'accepted').length,
          refusedAsDuplicate: entries.filter((entry) => entry.outcome === 'duplicate_client_order_id').length,
          rejected: entries.filter((entry) => entry.outcome === 'rejected').length,
          faultedBeforeProcessing: entries.filter((entry) => entry.outcome === 'fault_before_processing').length,
          placedOutside: entries.filter((entry) => entry.origin === 'outside' && entry.outcome === 'accepted').length,
        },
      });
    }
    if (path === '/admin/faults') {
      if (method === 'GET') return ok(this.faults.list());
      if (method === 'DELETE') {
        this.faults.clear();
        return { status: 204 };
      }
      if (method === 'POST') {
        try {
          return ok(this.faults.add(body));
        } catch (error) {
          throw failures.unprocessable(error instanceof Error ? error.message : String(error));
        }
      }
    }
    if (path === '/admin/stream/disconnect' && method === 'POST') {
      const refuseMs = typeof input.refuse_ms === 'number' ? input.refuse_ms : 0;
      return ok({ disconnected: this.disconnectStreams(refuseMs), refuseMs });
    }
    if (path === '/admin/orders' && method === 'POST') {
      const order = { client_order_id: `outside-${randomUUID()}`, time_in_force: 'day', type: 'market', ...input };
      return ok(orderJson(this.venue.submit(order, 'outside')));
    }
    if (path === '/admin/quotes' && method === 'POST') {
      const symbol = String(input.symbol ?? '');
      const bid = String(input.bid ?? '');
      const ask = String(input.ask ?? '');
      if (!symbol || !/^\d+(\.\d+)?$/.test(bid) || !/^\d+(\.\d+)?$/.test(ask)) {
        throw failures.unprocessable('a quote needs symbol, bid and ask (decimal strings)');
      }
      const size = (value: unknown) => (value === undefined ? '1000000' : String(value));
      this.venue.quote({ symbol, bid, ask, bidSize: size(input.bid_size), askSize: size(input.ask_size), at: new Date().toISOString() }, true);
      return ok({ symbol, bid, ask });
    }
    if (path === '/admin/tick' && method === 'POST') {
      this.venue.tick();
      return ok({ ticked: true });
    }
    if (path === '/admin/rate-limit' && method === 'POST') {
      const limit = typeof input.limit === 'number' ? input.limit : this.rateLimiter.limit;
      const windowMs = typeof input.window_ms === 'number' ? input.window_ms : this.rateLimiter.windowMs;
      this.rateLimiter.configure(limit, windowMs);
      return ok({ limit, windowMs });
    }
    if (path === '/admin/state' && method === 'GET') {
      const book = this.venue.book;
      return ok({
        accountId: this.identity.accountId,
        orders: book.orders.size,
        workingOrders: book.workingOrders().length,
        fills: book.fills.length,
        positions: book.positions.size,
        cash: book.cash.toFixed(),
        journalRecords: book.lastSeq,
        streamListeners: this.listeners.size,
      });
    }
    throw new AlpacaApiFailure(404, 40410000, `admin endpoint not found: ${method} ${path}`);
  }

  // --- trade_updates stream --------------------------------------------------------------------------------

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://sandbox').pathname;
    if (path !== '/stream' || Date.now() < this.refuseStreamUntil) {
      socket.destroy();
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (websocket) => this.sockets.emit('connection', websocket, request));
  }

  private streamConnection(socket: WebSocket): void {
    let authenticated = false;
    socket.on('message', (raw) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)) as Record<string, unknown>;
      } catch {
        return frame(socket, { action: 'error', data: { error_message: 'invalid syntax' } });
      }
      const data = (typeof message.data === 'object' && message.data !== null ? message.data : {}) as Record<string, unknown>;
      if (message.action === 'authenticate' || message.action === 'auth') {
        // SDK 4.x sends {"action":"authenticate","data":{"key_id","secret_key"}}; Alpaca's docs also show {"action":"auth","key","secret"}.
        const keyId = message.action === 'auth' ? message.key : data.key_id;
        const secret = message.action === 'auth' ? message.secret : data.secret_key;
        authenticated = this.credentialsMatch(keyId, secret);
        frame(socket, { stream: 'authorization', data: { action: 'authenticate', status: authenticated ? 'authorized' : 'unauthorized' } });
        if (!authenticated) socket.close();
        return;
      }
      if (message.action === 'listen') {
        if (!authenticated) return frame(socket, { action: 'error', data: { error_message: 'not authenticated' } });
        const streams = Array.isArray(data.streams) ? data.streams.filter((item) => item === 'trade_updates') : [];
        if (streams.length > 0) this.listeners.add(socket);
        else this.listeners.delete(socket);
        return frame(socket, { stream: 'listening', data: { streams } });
      }
      frame(socket, { action: 'error', data: { error_message: `unknown action: ${String(message.action)}` } });
    });
    socket.on('close', () => this.listeners.delete(socket));
    socket.on('error', () => this.listeners.delete(socket));
  }

  private broadcast(update: TradeUpdate): void {
    for (const socket of this.listeners) frame(socket, { stream: 'trade_updates', data: update });
  }

  private authorized(request: IncomingMessage): boolean {
    return this.credentialsMatch(request.headers['apca-api-key-id'], request.headers['apca-api-secret-key']);
  }

  private credentialsMatch(keyId: unknown, secret: unknown): boolean {
    return typeof keyId === 'string' && typeof secret === 'string' && sameText(keyId, this.identity.keyId) && sameText(secret, this.identity.secret);
  }
}

/** Paper trading sends trade_updates as binary frames; the SDK decodes both. */
function frame(socket: WebSocket, payload: unknown): void {
  if (socket.readyState === socket.OPEN) socket.send(Buffer.from(JSON.stringify(payload)));
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function send(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.destroyed) return;
  if (reply.json !== undefined) {
    response.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(reply.json) });
    response.end(reply.json);
    return;
  }
  if (reply.body === undefined) {
    response.writeHead(reply.status);
    response.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

function parseLimit(value: string | null, fallback: number, maximum: number, field: string): number {
  if (value === null) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw failures.unprocessable(`invalid ${field}: ${value}`);
  return Math.min(number, maximum);
}

function parseDirection(value: string | null): 'asc' | 'desc' {
  if (value === null) return 'desc';
  if (value !== 'asc' && value !== 'desc') throw failures.unprocessable(`invalid direction: ${value}`);
  return value;
}

/** Accepts an RFC 3339 timestamp or a date; compares as ISO text in UTC. */
function normalizeTime(value: string): string {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw failures.unprocessable(`invalid timestamp: ${value}`);
  return new Date(parsed).toISOString();
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
