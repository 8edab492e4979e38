import { Decimal, ZERO } from '@tollgate/kernel';
import { denial, type DenialReason } from '@tollgate/contracts';
import { contentKeyOf, sliceKeyOf } from './activity-log';
import type { PricedCheckContext } from './check-context';
import { ownEntry } from './snapshot';

const ONE_SECOND_MS = 1_000;
const ONE_MINUTE_MS = 60_000;

/** Controls on the order itself: size, price, duplicates, slicing, throttles, self-match, short sale, buying power. */
export function orderReasons(context: PricedCheckContext, reasons: DenialReason[]): void {
  const { request, snapshot, account, instrument, quantity } = context;
  const sizeLimited = !context.emergencyExit;

  // C1, C2: per-order size. Market orders are valued at the reference mid.
  if (sizeLimited && quantity.greaterThan(instrument.maxOrderQuantity)) {
    reasons.push(denial('QUANTITY_EXCEEDS_MAXIMUM', { quantity: quantity.toFixed(), max: instrument.maxOrderQuantity.toFixed() }));
  }
  if (sizeLimited && context.notional.greaterThan(instrument.maxOrderNotional)) {
    reasons.push(denial('NOTIONAL_EXCEEDS_MAXIMUM', { notional: context.notional.toFixed(), max: instrument.maxOrderNotional.toFixed() }));
  }

  // C3: collar around the last mid, the wider of percent and ticks (a percentage of a cheap stock can be under a tick).
  if (context.limitPrice) {
    const mid = context.reference.mid;
    const tickSize = snapshot.tickSize(request.symbol);
    const percentBand = mid.times(instrument.collar.fraction);
    const band = tickSize && instrument.collar.ticks > 0 ? Decimal.max(percentBand, tickSize.times(instrument.collar.ticks)) : percentBand;
    const low = mid.minus(band);
    const high = mid.plus(band);
    if (context.limitPrice.lessThan(low) || context.limitPrice.greaterThan(high)) {
      reasons.push(denial('PRICE_OUTSIDE_COLLAR', { price: context.limitPrice.toFixed(), reference: mid.toFixed(), low: low.toFixed(), high: high.toFixed() }));
    }
  }

  // C4: the same client order id again (a replayed command), or the same order content within the window.
  const throttles = account.throttles;
  const duplicateSince = context.atMs - throttles.duplicateWindowMs;
  const seen = snapshot.workingById.has(request.clientOrderId) || snapshot.activity.acceptedWithClientOrderId(request.clientOrderId, duplicateSince);
  if (seen) {
    reasons.push(denial('DUPLICATE_INTENT', { clientOrderId: request.clientOrderId, duplicateOf: request.clientOrderId, windowMs: String(throttles.duplicateWindowMs) }));
  } else if (request.action === 'submit') {
    const earlier = snapshot.activity.latestWithContent(
      contentKeyOf({ strategy: request.strategy, symbol: request.symbol, side: request.side, type: request.type, quantity, limitPrice: context.limitPrice, stopPrice: context.stopPrice }),
      duplicateSince,
    );
    if (earlier) {
      reasons.push(denial('DUPLICATE_INTENT', { clientOrderId: request.clientOrderId, duplicateOf: earlier.clientOrderId, windowMs: String(throttles.duplicateWindowMs) }));
    }
  }

  // Slicing: the children of one intent, and one side of a symbol within a window, add up against the order maximum.
  const intentPrior = (snapshot.intentFilled.get(request.intentId) ?? ZERO)
    .plus(snapshot.intentWorking.get(request.intentId) ?? ZERO)
    .minus(context.replaced && context.replaced.intentId === request.intentId ? context.replaced.remainingQuantity : ZERO);
  const intentCumulative = intentPrior.plus(quantity);
  if (sizeLimited && intentPrior.greaterThan(0) && intentCumulative.greaterThan(instrument.maxOrderQuantity)) {
    reasons.push(denial('INTENT_QUANTITY_EXCEEDS_MAXIMUM', { intent: request.intentId, cumulative: intentCumulative.toFixed(), max: instrument.maxOrderQuantity.toFixed() }));
  }
  // C15: orders out never exceed the intent in.
  if (context.intentQuantity && intentCumulative.greaterThan(context.intentQuantity)) {
    reasons.push(denial('CHILD_QUANTITY_EXCEEDS_PARENT', { intent: request.intentId, parentQuantity: context.intentQuantity.toFixed(), cumulative: intentCumulative.toFixed() }));
  }
  if (sizeLimited && request.action === 'submit' && throttles.cumulativeWindowMs > 0) {
    const prior = snapshot.activity.quantityAfter(sliceKeyOf(request), context.atMs - throttles.cumulativeWindowMs);
    const cumulative = prior.plus(quantity);
    if (prior.greaterThan(0) && cumulative.greaterThan(instrument.maxOrderQuantity)) {
      reasons.push(
        denial('CUMULATIVE_QUANTITY_EXCEEDS_MAXIMUM', {
          symbol: request.symbol,
          side: context.direction,
          cumulative: cumulative.toFixed(),
          max: instrument.maxOrderQuantity.toFixed(),
          windowMs: String(throttles.cumulativeWindowMs),
        }),
      );
    }
  }

  // C5: message throttles, submits and replaces counted separately. Cancels never reach this point.
  const rate = request.action === 'submit' ? throttles.submits : throttles.replaces;
  const lastSecond = snapshot.activity.messagesAfter(request.action, context.atMs - ONE_SECOND_MS);
  if (lastSecond + 1 > rate.perSecond) {
    reasons.push(denial('RATE_LIMIT_EXCEEDED', { action: request.action, window: '1s', count: String(lastSecond), limit: String(rate.perSecond) }));
  } else {
    const lastMinute = snapshot.activity.messagesAfter(request.action, context.atMs - ONE_MINUTE_MS);
    if (lastMinute + 1 > rate.perMinute) {
      reasons.push(denial('RATE_LIMIT_EXCEEDED', { action: request.action, window: '1m', count: String(lastMinute), limit: String(rate.perMinute) }));
    }
  }

  if (request.action === 'submit' && !context.emergencyExit && snapshot.totals.openOrders + 1 > throttles.maxOpenOrders) {
    reasons.push(denial('OPEN_ORDERS_EXCEED_MAXIMUM', { open: String(snapshot.totals.openOrders), max: String(throttles.maxOpenOrders) }));
  }

  // C16: would this order trade against our own resting order on the other side?
  if (request.type === 'limit' || request.type === 'market') {
    const book = snapshot.books.get(request.symbol);
    const resting = context.direction === 'buy' ? book?.lowestOwnAsk : book?.highestOwnBid;
    if (resting && resting.clientOrderId !== context.replaced?.clientOrderId) {
      const price = context.limitPrice;
      const crosses =
        price === null || resting.price === null || (context.direction === 'buy' ? price.greaterThanOrEqualTo(resting.price) : price.lessThanOrEqualTo(resting.price));
      if (crosses) {
        reasons.push(
          denial('SELF_MATCH', {
            symbol: request.symbol,
            side: request.side,
            price: price?.toFixed() ?? 'market',
            restingOrder: resting.clientOrderId,
            restingPrice: resting.price?.toFixed() ?? 'market',
          }),
        );
      }
    }
  }

  // Short sale: declared, or a sell that would take the position below zero if every working sell filled.
  const shortSale = request.side === 'sell_short' || (context.direction === 'sell' && context.position.minus(context.workingSell).minus(quantity).isNegative());
  if (shortSale) {
    if (!(ownEntry(snapshot.instruments, request.symbol)?.shortable ?? false)) reasons.push(denial('SHORT_SALE_NOT_PERMITTED', { symbol: request.symbol, reason: 'not_shortable' }));
    else if (!account.shortSalePermitted) reasons.push(denial('SHORT_SALE_NOT_PERMITTED', { symbol: request.symbol, reason: 'no_permission' }));
  }

  // Buying power after the reservations of working opening orders; a reducing order needs none.
  if (!context.reducing) {
    if (snapshot.buyingPower === null) {
      reasons.push(denial('ACCOUNT_STATE_UNKNOWN', { account: request.accountId, field: 'buyingPower' }));
    } else {
      let reserved = snapshot.totals.reservedBuyingPower;
      const replaced = context.replaced;
      if (replaced && (replaced.side === 'buy' || replaced.side === 'sell_short')) {
        const price = replaced.limitPrice ?? snapshot.referencePrice(replaced.symbol)?.mid ?? replaced.stopPrice;
        if (price) reserved = reserved.minus(replaced.remainingQuantity.times(price));
      }
      const required = reserved.plus(context.notional);
      if (required.greaterThan(snapshot.buyingPower)) {
        reasons.push(denial('INSUFFICIENT_BUYING_POWER', { required: required.toFixed(), available: snapshot.buyingPower.toFixed() }));
      }
    }
  }
}
