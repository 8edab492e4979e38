import type { RecordedEvent } from '@tollgate/contracts';
import { dec, decString, ZERO, type Decimal } from '@tollgate/kernel';

/**
 * The drill's evidence, taken from the broker sandbox's own records (its order log, its FILL activities,
 * its positions, over plain HTTP) and from the event store's raw events — never from the services under
 * test. The arithmetic here is deliberately the simplest that can be right: count, sum, compare.
 */
export interface SandboxAccess {
  baseUrl: string;
  keyId: string;
  secret: string;
}

export interface OrderLogEntry {
  seq: number;
  origin: 'api' | 'outside';
  clientOrderId: string | null;
  outcome: string;
  orderId: string | null;
}

export interface SandboxFill {
  /** `<order id>/<cumulative filled quantity>`: the id Tollgate's adapter gives the same execution. */
  fillId: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
}

async function sandboxGet<T>(access: SandboxAccess, path: string): Promise<T> {
  const response = await fetch(`${access.baseUrl}${path}`, {
    headers: { 'APCA-API-KEY-ID': access.keyId, 'APCA-API-SECRET-KEY': access.secret },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`broker sandbox ${path} answered HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function sandboxOrderLog(access: SandboxAccess): Promise<OrderLogEntry[]> {
  const log = await sandboxGet<{ entries: OrderLogEntry[] }>(access, '/admin/order-log');
  return log.entries;
}

/** Every FILL activity the sandbox holds, oldest first, every page. */
export async function sandboxFills(access: SandboxAccess): Promise<SandboxFill[]> {
  const fills: SandboxFill[] = [];
  let token: string | null = null;
  for (;;) {
    const page: Array<Record<string, string>> = await sandboxGet(
      access,
      `/v2/account/activities/FILL?direction=asc&page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`,
    );
    for (const activity of page) {
      fills.push({
        fillId: `${activity.order_id}/${decString(dec(activity.cum_qty!))}`,
        orderId: activity.order_id!,
        symbol: activity.symbol!,
        side: activity.side === 'sell' || activity.side === 'sell_short' ? 'sell' : 'buy',
        quantity: activity.qty!,
      });
    }
    if (page.length < 100) return fills;
    token = page.at(-1)!.id!;
  }
}

/** The sandbox's positions: symbol → signed quantity. */
export async function sandboxPositions(access: SandboxAccess): Promise<Map<string, Decimal>> {
  const positions = await sandboxGet<Array<{ symbol: string; qty: string; side?: string }>>(access, '/v2/positions');
  return new Map(positions.map((position) => [position.symbol, dec(position.qty).abs().mul(position.side === 'short' ? -1 : 1)]));
}

/** Every fill the store holds, once per fill id, whichever event carried it (OrderFilled or BrokerFillAdopted). */
export function storeFills(events: readonly RecordedEvent[]): Map<string, { symbol: string; side: 'buy' | 'sell'; quantity: Decimal }> {
  const fills = new Map<string, { symbol: string; side: 'buy' | 'sell'; quantity: Decimal }>();
  for (const event of events) {
    if (event.type !== 'OrderFilled' && event.type !== 'BrokerFillAdopted') continue;
    const data = event.data as { fillId: string; symbol: string; side: 'buy' | 'sell'; quantity: string };
    if (!fills.has(data.fillId)) fills.set(data.fillId, { symbol: data.symbol, side: data.side, quantity: dec(data.quantity) });
  }
  return fills;
}

/** Positions as the store's fills add up to: symbol → signed quantity. */
export function storePositions(fills: ReadonlyMap<string, { symbol: string; side: 'buy' | 'sell'; quantity: Decimal }>): Map<string, Decimal> {
  const positions = new Map<string, Decimal>();
  for (const fill of fills.values()) {
    const signed = fill.side === 'buy' ? fill.quantity : fill.quantity.neg();
    positions.set(fill.symbol, (positions.get(fill.symbol) ?? ZERO).plus(signed));
  }
  return positions;
}

export interface Finding {
  count: number;
  problems: string[];
}

/**
 * Orders the sandbox accepted beyond one per intent. `clientOrderIdsOf(intent)` are the client order ids an
 * intent may legitimately use (its attempts); an accepted order under any other id of ours is a duplicate too.
 */
export function duplicateOrders(entries: readonly OrderLogEntry[], intents: ReadonlyMap<string, readonly string[]>): Finding {
  const intentOf = new Map<string, string>();
  for (const [intent, clientOrderIds] of intents) for (const id of clientOrderIds) intentOf.set(id, intent);
  const accepted = new Map<string, string[]>();
  const problems: string[] = [];
  let count = 0;
  for (const entry of entries) {
    if (entry.origin !== 'api' || entry.outcome !== 'accepted') continue;
    const intent = entry.clientOrderId ? intentOf.get(entry.clientOrderId) : undefined;
    if (!intent) {
      count += 1;
      problems.push(`the sandbox accepted an order (${entry.orderId}) under client order id ${entry.clientOrderId} that no drill intent sent`);
      continue;
    }
    const orders = accepted.get(intent) ?? [];
    orders.push(entry.orderId ?? '?');
    accepted.set(intent, orders);
  }
  for (const [intent, orders] of accepted) {
    if (orders.length <= 1) continue;
    count += orders.length - 1;
    problems.push(`intent ${intent} has ${orders.length} accepted orders at the sandbox: ${orders.join(', ')}`);
  }
  return { count, problems };
}

/** Sandbox fills of our orders that the store does not hold. */
export function missingFills(brokerFills: readonly SandboxFill[], storeFillIds: ReadonlySet<string> | ReadonlyMap<string, unknown>, ourOrderIds: ReadonlySet<string>): Finding {
  const problems: string[] = [];
  for (const fill of brokerFills) {
    if (!ourOrderIds.has(fill.orderId) || storeFillIds.has(fill.fillId)) continue;
    problems.push(`fill ${fill.fillId} (${fill.side} ${fill.quantity} ${fill.symbol}) is at the sandbox but not in the event store`);
  }
  return { count: problems.length, problems };
}

/** Symbols whose position in the store's fills differs from the sandbox's position. */
export function ledgerMismatches(ours: ReadonlyMap<string, Decimal>, broker: ReadonlyMap<string, Decimal>): Finding {
  const problems: string[] = [];
  for (const symbol of new Set([...ours.keys(), ...broker.keys()])) {
    const a = ours.get(symbol) ?? ZERO;
    const b = broker.get(symbol) ?? ZERO;
    if (!a.eq(b)) problems.push(`${symbol}: the event store's fills add up to ${decString(a)}, the sandbox holds ${decString(b)}`);
  }
  return { count: problems.length, problems };
}
