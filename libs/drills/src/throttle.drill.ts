import type { AlertRaisedData } from '@tollgate/contracts';
import type { DrillContext } from './drill';
import { applyDrillLimits, drillLimits } from './drill-limits';

const PER_SECOND = 100;

/**
 * Message throttle (RTS 6 Art. 15(1)(d)): with 100 submits a second allowed, 101 submits in one market
 * second — the 101st is denied RATE_LIMIT_EXCEEDED and an alert is recorded; every resting order is
 * then cancelled in that same second and every cancel passes (cancels are never throttled); once the
 * second has passed, submits go through again.
 */
export async function throttleDrill(context: DrillContext): Promise<void> {
  const { market, system } = context;
  await applyDrillLimits(
    context,
    drillLimits(system.accountId, (_limits, account) => {
      account.throttles.submits = { perSecond: PER_SECOND, perMinute: 100_000 };
      account.throttles.maxOpenOrders = 1_000;
    }),
    'throttle drill',
  );
  market.quote('SPY', '99.99', '100.01');
  market.start();
  await context.quotesSeen(['SPY']);
  // One market second: every message below carries the same market time.
  market.pause();
  await context.quotesSeen(['SPY'], market.now().getTime());

  const answers = await Promise.all(
    Array.from({ length: PER_SECOND + 1 }, (_, index) => context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: (98 - index * 0.01).toFixed(2), strategy: 'throttle-drill' })),
  );
  const ids = new Set(answers.map((answer) => answer.orderId));
  const decided = await context.until(async () => {
    const events = (await context.eventsOf(['OrderDenied', 'OrderAccepted'])).filter((event) => ids.has((event.data as { orderId: string }).orderId));
    return events.length >= ids.size ? events : null;
  });
  const denied = (decided ?? []).filter((event) => event.type === 'OrderDenied');
  const rateDenied = denied.filter((event) => (event.data as { reasons: string[] }).reasons.some((reason) => reason.startsWith('RATE_LIMIT_EXCEEDED:')));
  const accepted = (decided ?? []).filter((event) => event.type === 'OrderAccepted');
  context.check(
    `${PER_SECOND + 1} submits in one second at ${PER_SECOND}/s: exactly one is denied RATE_LIMIT_EXCEEDED`,
    rateDenied.length === 1 && denied.length === 1 && accepted.length === PER_SECOND,
    `${accepted.length} accepted, ${denied.length} denied (${rateDenied.length} RATE_LIMIT_EXCEEDED): ${(rateDenied[0]?.data as { reasons?: string[] } | undefined)?.reasons?.join('; ') ?? 'none'}`,
  );
  const ours = new Set(answers.map((answer) => answer.clientOrderId));
  const resting = await context.until(async () => {
    const open = (await context.exchangeOpenOrders()).filter((order) => ours.has(order.clientOrderId)).length;
    return open === PER_SECOND ? open : null;
  });
  context.check(`the ${PER_SECOND} allowed orders rest at the exchange, the denied one never reached it`, resting === PER_SECOND, `${resting ?? 'not'} ${PER_SECOND} open at the exchange`);
  const alerts = await context.until(async () => {
    const found = (await context.eventsOf(['AlertRaised'])).filter((event) => (event.data as AlertRaisedData).code === 'RATE_LIMIT_EXCEEDED');
    return found.length > 0 ? found : null;
  });
  context.check('the throttle denial raised an alert (AlertRaised RATE_LIMIT_EXCEEDED)', (alerts?.length ?? 0) >= 1, `${alerts?.length ?? 0} alerts recorded`);

  // Cancels in the same market second: never throttled.
  const allowed = answers.filter((answer) => accepted.some((event) => (event.data as { orderId: string }).orderId === answer.orderId));
  await Promise.all(allowed.map((answer) => context.cancel(answer.orderId)));
  const countCancels = async () => (await context.eventsOf(['OrderCanceled'])).filter((event) => ids.has((event.data as { orderId: string }).orderId)).length;
  const cancelledAtExchange = await context.until(async () => ((await context.exchangeOpenOrders()).some((order) => ours.has(order.clientOrderId)) ? null : true));
  await context.until(async () => ((await countCancels()) >= allowed.length ? true : null));
  const cancelEvents = await countCancels();
  context.check(`${allowed.length} cancels in the same second all pass`, cancelledAtExchange === true && cancelEvents === allowed.length, `${cancelEvents} of ${allowed.length} recorded OrderCanceled; ${cancelledAtExchange ? 'none' : 'some'} left at the exchange`);

  // The window passes: submits go through again.
  market.resume();
  market.advance(1_500);
  await context.quotesSeen(['SPY'], market.now().getTime());
  const later = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '96.50', strategy: 'throttle-drill' });
  const accepts = await context.until(async () => (await context.eventsOf(['OrderAccepted', 'OrderDenied'])).find((event) => (event.data as { orderId: string }).orderId === later.orderId));
  context.check('after the second has passed, a submit is allowed again', accepts?.type === 'OrderAccepted', accepts ? `${accepts.type}` : 'no answer recorded');

  context.figure('limitPerSecond', PER_SECOND);
  context.figure('submitsAllowed', accepted.length);
  context.figure('submitsDenied', rateDenied.length);
  context.figure('alertsRaised', alerts?.length ?? 0);
  context.figure('cancelsPassed', cancelEvents);
}
