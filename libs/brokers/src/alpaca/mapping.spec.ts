import { createEventRegistry } from '@tollgate/contracts';
import { fillIdFor, mapFillActivity, mapOrder, mapOrderStatus, mapPosition, toAlpacaSide } from './mapping';

const alpacaOrder = {
  id: '61e69015-8549-4bfd-b9c3-01e75843f47d',
  client_order_id: 'tg-1',
  created_at: '2021-03-16T18:38:01.942282Z',
  updated_at: '2021-03-16T18:38:01.942282Z',
  submitted_at: '2021-03-16T18:38:01.937734Z',
  symbol: 'AAPL',
  qty: '10',
  filled_qty: '4',
  filled_avg_price: '120.50',
  type: 'limit',
  side: 'sell',
  position_intent: 'sell_to_open',
  time_in_force: 'gtc',
  limit_price: '121.00',
  stop_price: null,
  status: 'partially_filled',
};

describe('Alpaca mapping', () => {
  it('maps an order with exact decimals and full-precision timestamps', () => {
    expect(mapOrder(alpacaOrder)).toEqual({
      brokerOrderId: alpacaOrder.id,
      clientOrderId: 'tg-1',
      symbol: 'AAPL',
      side: 'sell_short',
      type: 'limit',
      timeInForce: 'gtc',
      quantity: '10',
      filledQuantity: '4',
      averageFillPrice: '120.5',
      limitPrice: '121',
      stopPrice: null,
      status: 'partially_filled',
      submittedAt: '2021-03-16T18:38:01.937734Z',
      updatedAt: '2021-03-16T18:38:01.942282Z',
    });
  });

  it('keeps orders in statuses the port lacks working, never final', () => {
    expect(mapOrderStatus('pending_new', '0')).toBe('accepted');
    expect(mapOrderStatus('done_for_day', '3')).toBe('partially_filled');
    expect(mapOrderStatus('held', '0')).toBe('accepted');
    expect(mapOrderStatus('something_new', '0')).toBe('accepted');
    expect(mapOrderStatus('filled', '10')).toBe('filled');
  });

  it('sends shorts and covers as sell/buy with the intent, so Alpaca does not guess', () => {
    expect(toAlpacaSide('sell_short')).toEqual({ side: 'sell', positionIntent: 'sell_to_open' });
    expect(toAlpacaSide('buy_to_cover')).toEqual({ side: 'buy', positionIntent: 'buy_to_close' });
  });

  it('signs short positions whichever way Alpaca signs qty', () => {
    expect(mapPosition({ symbol: 'TSLA', qty: '5', side: 'short', avg_entry_price: '200' }).quantity).toBe('-5');
    expect(mapPosition({ symbol: 'TSLA', qty: '-5', side: 'short', avg_entry_price: '200' }).quantity).toBe('-5');
  });

  it('gives a fill the same id from the activities and from the stream: order id and cumulative quantity', () => {
    const activity = {
      id: '20210127144930176::b68ca618-f2a3-42a4-804f-f7ffda59023a',
      activity_type: 'FILL',
      transaction_time: '2021-01-27T19:49:30.176Z',
      type: 'partial_fill',
      price: '31.6',
      qty: '51',
      side: 'buy',
      symbol: 'QQQJ',
      leaves_qty: '30',
      order_id: 'ee8058e5-41a0-48fd-8156-915ae0af6d17',
      cum_qty: '970',
    };
    const fill = mapFillActivity(activity, 'tg-7');
    expect(fill).toEqual({
      fillId: fillIdFor(activity.order_id, '970.0'),
      brokerOrderId: activity.order_id,
      clientOrderId: 'tg-7',
      symbol: 'QQQJ',
      side: 'buy',
      quantity: '51',
      price: '31.6',
      fee: '0',
      filledAt: '2021-01-27T19:49:30.176Z',
    });
    expect(() => createEventRegistry().validate('BrokerFillAdopted', 1, { accountId: 'a', broker: 'alpaca', ...fill })).not.toThrow();
  });

  it('names the field when Alpaca sends something unreadable', () => {
    expect(() => mapOrder({ ...alpacaOrder, qty: 'ten' })).toThrow('qty: expected a decimal string');
  });
});
