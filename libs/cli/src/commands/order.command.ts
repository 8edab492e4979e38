import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { commandSubjects } from '@tollgate/contracts';
import { createBus, RemoteError, type Bus } from '@tollgate/messaging';
import { CommandFailure, outputFor } from '../output';

/**
 * `tollgate order place|cancel|list|show`: an operator's manual orders, sent to the running system the
 * same path every order takes (execution: intent recorded, risk, broker), with the operator as actor.
 *
 * How a second process reaches the running system:
 * - with NATS_URL set, straight over NATS (requests to `tollgate.cmd.execution.*`);
 * - otherwise through the gateway's HTTP API on this machine (`tollgate run` starts it on
 *   127.0.0.1:TOLLGATE_HTTP_PORT, default 8080). The embedded store is PGlite, which one process owns,
 *   so the CLI never opens it; the gateway listens on loopback only and refuses foreign Host headers
 *   and non-JSON bodies (docs/gateway.md).
 */

const SIDES = ['buy', 'sell', 'sell_short', 'buy_to_cover'];
const TYPES = ['market', 'limit', 'stop', 'stop_limit'];
const TIMES_IN_FORCE = ['day', 'gtc', 'ioc'];

interface PlaceOptions {
  symbol: string;
  side: string;
  quantity: string;
  type: string;
  limit?: string;
  stop?: string;
  tif: string;
  intentId?: string;
  peg?: string;
  url?: string;
}

interface OrderView {
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: string;
  limitPrice?: string;
  stopPrice?: string;
  status: string;
  filledQuantity: string;
  averageFillPrice?: string;
  fees: string;
  reasons?: string[];
  actor?: string;
}

interface PlaceAnswer {
  orderId: string;
  clientOrderId: string;
  status: string;
  reasons?: string[];
  dryRun: boolean;
}

/** How this process talks to the running system: the bus (NATS) or the gateway (HTTP on localhost). */
interface Channel {
  describe: string;
  placeOrder(order: Record<string, unknown>, actor: string): Promise<PlaceAnswer>;
  cancelOrder(orderId: string, reason: string | undefined, actor: string): Promise<{ orderId: string; status: string }>;
  listOrders(filter: 'all' | 'open', limit: number): Promise<OrderView[]>;
  getOrder(orderId: string): Promise<OrderView>;
  fillQuality(orderId: string): Promise<unknown>;
  close(): Promise<void>;
}

export function register(program: Command): void {
  const order = program
    .command('order')
    .description("manual orders: place, cancel, list and show orders of the running system (over NATS when NATS_URL is set, else the local gateway)")
    .option('--url <url>', 'the gateway to talk to (default http://127.0.0.1:$TOLLGATE_HTTP_PORT, port 8080)');

  order
    .command('place')
    .description('place a manual order; it takes the path every order takes (recorded, risk-checked, sent), with you as the actor')
    .requiredOption('--symbol <symbol>', 'ticker, e.g. AAPL')
    .requiredOption('--side <side>', `one of ${SIDES.join(', ')}`)
    .requiredOption('--quantity <quantity>', 'shares, a decimal like 10')
    .option('--type <type>', `one of ${TYPES.join(', ')}`, 'market')
    .option('--limit <price>', 'limit price (limit and stop_limit orders)')
    .option('--stop <price>', 'stop price (stop and stop_limit orders)')
    .option('--tif <tif>', `time in force: ${TIMES_IN_FORCE.join(', ')}`, 'day')
    .option('--intent-id <id>', 'names the order: placing the same intent again returns the first order instead of a second one')
    .option('--peg <reprices>', 'a limit order pegged to the mid: it follows the mid at most this many times, then crosses the spread (no --limit)')
    .option('--json', 'print the answer as JSON')
    .action(async (options: PlaceOptions, command: Command) => {
      const output = outputFor(command);
      checkChoice('--side', options.side, SIDES);
      checkChoice('--type', options.type, TYPES);
      checkChoice('--tif', options.tif, TIMES_IN_FORCE);
      const symbol = options.symbol.toUpperCase();
      const reprices = options.peg === undefined ? undefined : Number(options.peg);
      if (reprices !== undefined && (!Number.isInteger(reprices) || reprices < 0 || reprices > 50)) throw new CommandFailure(`--peg ${options.peg} must be a whole number of reprices from 0 to 50`);
      if (reprices !== undefined && options.limit) throw new CommandFailure('--peg sets the limit price itself: leave out --limit');
      const body = {
        ...(options.intentId ? { intentId: options.intentId } : {}),
        symbol,
        side: options.side,
        type: reprices === undefined ? options.type : 'limit',
        quantity: options.quantity,
        ...(reprices === undefined ? {} : { peg: { maxReprices: reprices } }),
        ...(options.limit ? { limitPrice: options.limit } : {}),
        ...(options.stop ? { stopPrice: options.stop } : {}),
        timeInForce: options.tif,
      };
      const answer = await withChannel(command, (channel) => channel.placeOrder(body, operator()));
      output.result(answer, (placed) => {
        const what = `${options.side} ${options.quantity} ${symbol} ${reprices === undefined ? options.type : `limit pegged to the mid (${reprices} reprices)`}${options.limit ? ` @ ${options.limit}` : ''}`;
        const why = placed.reasons?.length ? `: ${placed.reasons.join('; ')}` : '';
        return `order ${placed.orderId} (${what}) is ${placed.status}${placed.dryRun ? ' (dry run: nothing was sent)' : ''}${why}`;
      });
      if (answer.status === 'Denied' || answer.status === 'Rejected') process.exitCode = 2;
    });

  order
    .command('cancel')
    .description('cancel an order at the venue (never blocked by risk or trading state)')
    .argument('<orderId>', 'the order id `order place` or `order list` printed')
    .option('--reason <text>', 'why, for the record')
    .option('--json', 'print the answer as JSON')
    .action(async (orderId: string, options: { reason?: string }, command: Command) => {
      const output = outputFor(command);
      const answer = await withChannel(command, (channel) => channel.cancelOrder(orderId, options.reason, operator()));
      output.result(answer, (canceled) =>
        canceled.status === 'PendingCancel' ? `cancel of order ${canceled.orderId} sent; it is PendingCancel until the venue confirms` : `order ${canceled.orderId} is ${canceled.status}`,
      );
    });

  order
    .command('list')
    .description('list orders, newest first')
    .option('--open', 'only orders not yet in a final status')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print the orders as JSON')
    .action(async (options: { open?: boolean; limit: string }, command: Command) => {
      const output = outputFor(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new CommandFailure(`--limit ${options.limit} must be a whole number from 1 to 10000`);
      const orders = await withChannel(command, (channel) => channel.listOrders(options.open ? 'open' : 'all', limit));
      output.result(orders, renderOrders);
    });

  order
    .command('show')
    .description("one order: its status, fills and fill quality (slippage against the arrival mid)")
    .argument('<orderId>', 'the order id')
    .option('--json', 'print the order as JSON')
    .action(async (orderId: string, _options: unknown, command: Command) => {
      const output = outputFor(command);
      const [view, quality] = await withChannel(command, (channel) => Promise.all([channel.getOrder(orderId), channel.fillQuality(orderId)]));
      output.result({ order: view, fillQuality: quality }, ({ order: shown, fillQuality }) => {
        const lines = [renderOrders([shown])];
        const report = fillQuality as { slippageBps?: string; arrivalMid?: string; averagePrice?: string; slippageCost?: string } | null;
        if (report) {
          lines.push(
            `fill quality: average ${report.averagePrice} vs arrival mid ${report.arrivalMid ?? 'unknown'}: ${report.slippageBps ?? '-'} bp (cost ${report.slippageCost ?? '-'})`,
          );
        }
        return lines.join('\n');
      });
    });
}

function checkChoice(flag: string, value: string, choices: string[]): void {
  if (!choices.includes(value)) throw new CommandFailure(`${flag} ${value} must be one of ${choices.join(', ')}`);
}

/** The person at the keyboard, as an actor: `user:<login name>`. */
function operator(): string {
  const name = userInfo().username.replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 64) || 'local';
  return `user:${name}`;
}

function renderOrders(orders: OrderView[]): string {
  if (orders.length === 0) return 'No orders.';
  const rows = [['ORDER', 'SYMBOL', 'SIDE', 'TYPE', 'QTY', 'FILLED', 'AVG PRICE', 'STATUS', 'WHY']];
  for (const order of orders) {
    rows.push([
      order.orderId,
      order.symbol,
      order.side,
      order.type + (order.limitPrice ? ` @ ${order.limitPrice}` : '') + (order.stopPrice ? ` stop ${order.stopPrice}` : ''),
      order.quantity,
      order.filledQuantity,
      order.averageFillPrice ?? '-',
      order.status,
      order.reasons?.join('; ') ?? '',
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

async function withChannel<T>(command: Command, work: (channel: Channel) => Promise<T>): Promise<T> {
  const options = command.optsWithGlobals() as { url?: string };
  const channel = process.env.NATS_URL?.trim() && !options.url ? await busChannel() : gatewayChannel(gatewayUrl(options.url));
  try {
    return await work(channel);
  } catch (error) {
    throw failureOf(error, channel);
  } finally {
    await channel.close();
  }
}

function failureOf(error: unknown, channel: Channel): Error {
  if (error instanceof CommandFailure) return error;
  if (error instanceof RemoteError) return new CommandFailure(error.remote.message);
  const message = error instanceof Error ? error.message : String(error);
  return new CommandFailure(`${channel.describe}: ${message}`);
}

function gatewayUrl(explicit: string | undefined): string {
  const url = explicit ?? process.env.TOLLGATE_GATEWAY_URL?.trim() ?? `http://127.0.0.1:${process.env.TOLLGATE_HTTP_PORT?.trim() || '8080'}`;
  try {
    return new URL(url).toString().replace(/\/$/, '');
  } catch {
    throw new CommandFailure(`--url ${url} is not a URL`);
  }
}

async function busChannel(): Promise<Channel> {
  const bus: Bus = await createBus({ name: 'tollgate-cli' });
  const subjects = commandSubjects.execution;
  return {
    describe: `NATS ${process.env.NATS_URL}`,
    placeOrder: (order, actor) =>
      bus.request<PlaceAnswer>(subjects.placeOrder, { intentId: `manual-${randomUUID()}`, intentKind: 'manual', ...order, actor }, { timeoutMs: 15_000 }),
    cancelOrder: (orderId, reason, actor) => bus.request(subjects.cancelOrder, { orderId, ...(reason ? { reason } : {}), actor }, { timeoutMs: 15_000 }),
    listOrders: (filter, limit) => bus.request<OrderView[]>(subjects.listOrders, { filter, limit }),
    getOrder: (orderId) => bus.request<OrderView>(subjects.getOrder, { orderId }),
    fillQuality: (orderId) => bus.request(subjects.fillQuality, { orderId }),
    close: () => bus.close(),
  };
}

function gatewayChannel(base: string): Channel {
  const describe = `the gateway at ${base}`;
  const call = async <T>(method: 'GET' | 'POST', path: string, body: unknown, actor?: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(actor ? { 'x-tollgate-actor': actor } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      if (cause === 'ECONNREFUSED') {
        throw new CommandFailure(`nothing answered at ${base}: start Tollgate with 'tollgate run' (or set NATS_URL to reach a deployment, or --url for another gateway)`);
      }
      throw new CommandFailure(`${describe} did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    const parsed = text === '' ? null : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const reason = (parsed as { error?: string } | null)?.error ?? `HTTP ${response.status}`;
      throw new CommandFailure(reason);
    }
    return parsed as T;
  };
  return {
    describe,
    // A pegged order goes through the gateway's generic command channel, which forwards the whole contract.
    placeOrder: (order, actor) =>
      order.peg
        ? call<PlaceAnswer>('POST', '/api/commands/execution/place-order', { intentId: order.intentId ?? `manual-${randomUUID()}`, intentKind: 'manual', ...order }, actor)
        : call<PlaceAnswer>('POST', '/api/orders', order, actor),
    cancelOrder: (orderId, reason, actor) => call('POST', `/api/orders/${encodeURIComponent(orderId)}/cancel`, reason ? { reason } : {}, actor),
    listOrders: (filter, limit) => call<OrderView[]>('GET', `/api/orders?filter=${filter}&limit=${limit}`, undefined),
    getOrder: (orderId) => call<OrderView>('POST', '/api/queries/execution/get-order', { orderId }),
    fillQuality: (orderId) => call('POST', '/api/queries/execution/fill-quality', { orderId }),
    close: async () => undefined,
  };
}

