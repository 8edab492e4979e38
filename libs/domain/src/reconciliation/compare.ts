import type { BrokerFill, BrokerOrder, BrokerOrderStatus } from '@tollgate/contracts';
import { dec, decString, Decimal, ZERO } from '@tollgate/kernel';
import type { BrokerView, Discrepancy, LedgerOpenOrder, LedgerView, ReconciliationTolerances } from './reconciliation.types';
import { discrepancyKey } from './reconciliation.types';

const WORKING_STATUSES: ReadonlySet<BrokerOrderStatus> = new Set([
  'new',
  'accepted',
  'partially_filled',
  'pending_cancel',
  'pending_replace',
]);

export function isWorkingStatus(status: BrokerOrderStatus): boolean {
  return WORKING_STATUSES.has(status);
}

/**
 * Every difference between our ledger and the broker, per account. Positions, open orders, fills and
 * cash are compared independently (an order with no fills yet is still compared: failure mode 5).
 * The result is sorted by its stable key, so the same inputs always give the same list.
 */
export function findDiscrepancies(ours: LedgerView, broker: BrokerView, tolerances: ReconciliationTolerances): Discrepancy[] {
  const found: Discrepancy[] = [
    ...comparePositions(ours, broker, tolerances),
    ...compareOrders(ours, broker),
    ...compareFills(ours, broker),
    ...compareCash(ours, broker, tolerances),
  ];
  return found.sort((a, b) => compareText(discrepancyKey(a), discrepancyKey(b)));
}

function comparePositions(ours: LedgerView, broker: BrokerView, tolerances: ReconciliationTolerances): Discrepancy[] {
  const result: Discrepancy[] = [];
  const ourBySymbol = new Map(ours.positions.map((position) => [position.symbol, position]));
  const brokerBySymbol = new Map(broker.positions.map((position) => [position.symbol, position]));
  const symbols = new Set([...ourBySymbol.keys(), ...brokerBySymbol.keys()]);
  const absolute = dec(tolerances.averagePriceAbsolute, 'averagePriceAbsolute');
  const relative = dec(tolerances.averagePriceRelative, 'averagePriceRelative');
  for (const symbol of symbols) {
    const our = ourBySymbol.get(symbol);
    const theirs = brokerBySymbol.get(symbol);
    const ourQuantity = our ? dec(our.quantity, `ledger position ${symbol} quantity`) : ZERO;
    const brokerQuantity = theirs ? dec(theirs.quantity, `broker position ${symbol} quantity`) : ZERO;
    const ourAverage = our ? dec(our.averagePrice, `ledger position ${symbol} averagePrice`) : ZERO;
    const brokerAverage = theirs ? dec(theirs.averagePrice, `broker position ${symbol} averagePrice`) : ZERO;
    const adoption = {
      kind: 'position' as const,
      symbol,
      quantityBefore: decString(ourQuantity),
      quantityAfter: decString(brokerQuantity),
      averagePriceBefore: decString(ourAverage),
      averagePriceAfter: decString(brokerAverage),
    };
    if (!ourQuantity.eq(brokerQuantity)) {
      result.push({
        class: 'quantity_mismatch',
        subject: { kind: 'position', key: symbol },
        symbol,
        field: 'quantity',
        ours: decString(ourQuantity),
        broker: decString(brokerQuantity),
        adoption,
      });
      continue;
    }
    if (ourQuantity.isZero()) continue;
    const allowed = Decimal.max(absolute, relative.mul(brokerAverage.abs()));
    if (ourAverage.minus(brokerAverage).abs().gt(allowed)) {
      result.push({
        class: 'price_mismatch',
        subject: { kind: 'position', key: symbol },
        symbol,
        field: 'averagePrice',
        ours: decString(ourAverage),
        broker: decString(brokerAverage),
        adoption,
      });
    }
  }
  return result;
}

function compareOrders(ours: LedgerView, broker: BrokerView): Discrepancy[] {
  const result: Discrepancy[] = [];
  const ourOpen = new Map(ours.openOrders.map((order) => [order.clientOrderId, order]));
  const brokerOpen = new Map<string, BrokerOrder>();
  for (const order of broker.openOrders) brokerOpen.set(order.clientOrderId, order);
  // An order of ours placed after the open-orders query may show up only in a lookup: still working.
  for (const order of broker.lookedUpOrders) {
    if (isWorkingStatus(order.status) && !brokerOpen.has(order.clientOrderId) && ours.isOurClientOrderId(order.clientOrderId)) {
      brokerOpen.set(order.clientOrderId, order);
    }
  }
  const lookedUp = new Map(broker.lookedUpOrders.map((order) => [order.clientOrderId, order]));

  for (const order of brokerOpen.values()) {
    if (!ours.isOurClientOrderId(order.clientOrderId)) {
      result.push(foreignOrderDiscrepancy(order));
      continue;
    }
    const our = ourOpen.get(order.clientOrderId);
    if (!our) {
      result.push({
        class: 'unknown_order',
        subject: { kind: 'order', key: order.clientOrderId },
        symbol: order.symbol,
        field: 'existence',
        ours: 'not working',
        broker: order.status,
        adoption: { kind: 'none', why: 'an order state belongs to the order aggregate; feed it the broker order instead' },
      });
      continue;
    }
    result.push(...compareWorkingOrder(our, order));
  }

  for (const our of ourOpen.values()) {
    if (brokerOpen.has(our.clientOrderId)) continue;
    const found = lookedUp.get(our.clientOrderId);
    result.push({
      class: 'unknown_order',
      subject: { kind: 'order', key: our.clientOrderId },
      symbol: our.symbol,
      field: 'existence',
      ours: 'working',
      broker: found ? found.status : 'not found',
      adoption: { kind: 'none', why: 'an order state belongs to the order aggregate; feed it the broker order instead' },
    });
  }
  return result;
}

function compareWorkingOrder(our: LedgerOpenOrder, order: BrokerOrder): Discrepancy[] {
  const result: Discrepancy[] = [];
  const subject = { kind: 'order' as const, key: order.clientOrderId };
  const none = { kind: 'none' as const, why: 'an order state belongs to the order aggregate; feed it the broker order instead' };
  const brokerRemaining = dec(order.quantity, 'broker order quantity').minus(dec(order.filledQuantity, 'broker order filledQuantity'));
  const ourRemaining = dec(our.remainingQuantity, `ledger order ${our.clientOrderId} remainingQuantity`);
  if (!brokerRemaining.eq(ourRemaining)) {
    result.push({
      class: 'quantity_mismatch',
      subject,
      symbol: order.symbol,
      field: 'remainingQuantity',
      ours: decString(ourRemaining),
      broker: decString(brokerRemaining),
      adoption: none,
    });
  }
  for (const field of ['limitPrice', 'stopPrice'] as const) {
    const ourPrice = our[field];
    const brokerPrice = order[field];
    const same = ourPrice === null || brokerPrice === null ? ourPrice === brokerPrice : dec(ourPrice).eq(dec(brokerPrice));
    if (!same) {
      result.push({ class: 'price_mismatch', subject, symbol: order.symbol, field, ours: ourPrice, broker: brokerPrice, adoption: none });
    }
  }
  return result;
}

function compareFills(ours: LedgerView, broker: BrokerView): Discrepancy[] {
  const result: Discrepancy[] = [];
  const foreignFillsByOrder = new Map<string, BrokerFill[]>();
  const foreignOpenOrders = new Set(
    broker.openOrders.filter((order) => !ours.isOurClientOrderId(order.clientOrderId)).map((order) => order.brokerOrderId),
  );
  for (const fill of broker.fills) {
    if (ours.fillIds.has(fill.fillId)) continue;
    if (!ours.isOurClientOrderId(fill.clientOrderId)) {
      const list = foreignFillsByOrder.get(fill.brokerOrderId) ?? [];
      list.push(fill);
      foreignFillsByOrder.set(fill.brokerOrderId, list);
      continue;
    }
    result.push({
      class: 'missing_fill',
      subject: { kind: 'fill', key: fill.fillId },
      symbol: fill.symbol,
      field: 'fill',
      ours: null,
      broker: `${fill.side} ${fill.quantity} @ ${fill.price}`,
      adoption: { kind: 'fill', fill },
    });
  }
  const lookedUpById = new Map(broker.lookedUpOrders.map((order) => [order.brokerOrderId, order]));
  for (const [brokerOrderId, fills] of foreignFillsByOrder) {
    if (foreignOpenOrders.has(brokerOrderId)) continue; // already reported from the open-order list
    const order = lookedUpById.get(brokerOrderId);
    result.push(order ? foreignOrderDiscrepancy(order) : { ...foreignOrderDiscrepancy(orderFromFills(fills)), foreignOrderSeenOnlyInFills: true });
  }
  return result;
}

function compareCash(ours: LedgerView, broker: BrokerView, tolerances: ReconciliationTolerances): Discrepancy[] {
  const ourCash = dec(ours.cash, 'ledger cash');
  const brokerCash = dec(broker.account.cash, 'broker cash');
  if (ourCash.minus(brokerCash).abs().lte(dec(tolerances.cashAbsolute, 'cashAbsolute'))) return [];
  return [
    {
      class: 'cash_mismatch',
      subject: { kind: 'cash', key: broker.account.currency },
      symbol: null,
      field: 'cash',
      ours: decString(ourCash),
      broker: decString(brokerCash),
      adoption: { kind: 'cash', currency: broker.account.currency, cashBefore: decString(ourCash), cashAfter: decString(brokerCash) },
    },
  ];
}

function foreignOrderDiscrepancy(order: BrokerOrder): Discrepancy {
  return {
    class: 'unknown_order',
    subject: { kind: 'order', key: order.brokerOrderId },
    symbol: order.symbol,
    field: 'placedOutsideTollgate',
    ours: null,
    broker: `${order.side} ${order.quantity} ${order.symbol} ${order.status}`,
    adoption: { kind: 'none', why: 'an order placed outside Tollgate is quarantined, never adopted' },
    foreignOrder: order,
  };
}

/** A foreign order known only through its fills; its type and time in force are unknown and flagged so. */
function orderFromFills(fills: BrokerFill[]): BrokerOrder {
  const first = fills[0]!;
  const filled = fills.reduce((sum, fill) => sum.plus(dec(fill.quantity)), ZERO);
  const notional = fills.reduce((sum, fill) => sum.plus(dec(fill.quantity).mul(dec(fill.price))), ZERO);
  const last = fills.reduce((latest, fill) => (fill.filledAt > latest ? fill.filledAt : latest), first.filledAt);
  return {
    brokerOrderId: first.brokerOrderId,
    clientOrderId: first.clientOrderId,
    symbol: first.symbol,
    side: first.side,
    type: 'market',
    timeInForce: 'day',
    quantity: decString(filled),
    filledQuantity: decString(filled),
    averageFillPrice: decString(notional.div(filled)),
    limitPrice: null,
    stopPrice: null,
    status: 'filled',
    submittedAt: first.filledAt,
    updatedAt: last,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
