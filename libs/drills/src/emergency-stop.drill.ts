import {
  commandSubjects,
  type EmergencyStopCompletedData,
  type KillSwitchEngagedData,
  type OrderInitializedData,
  type PositionExitEventOf,
  type RecordedEvent,
} from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import { deniedReasons } from './breaker.drill';
import { drillPeople, type DrillContext } from './drill';
import { applyDrillLimits, drillLimits } from './drill-limits';

type EmergencyExitData = PositionExitEventOf<'EmergencyExit'>['data'];

/**
 * Emergency stop: long 100 SPY (alpha) and short 50 QQQ (beta), with resting orders in three strategies.
 * The stop engages the kill switch, every resting order is cancelled at the exchange, and only then are
 * the positions flattened — with collared marketable limit orders (never market orders), each recorded
 * as an EmergencyExit — until the exchange reports every position flat and EmergencyStopCompleted says so.
 */
export async function emergencyStopDrill(context: DrillContext): Promise<void> {
  const { market, system } = context;
  await applyDrillLimits(context, drillLimits(system.accountId), 'emergency-stop drill');
  market.quote('SPY', '99.99', '100.01');
  market.quote('QQQ', '199.98', '200.02');
  market.start();
  await context.quotesSeen(['SPY', 'QQQ']);

  await context.place({ symbol: 'SPY', side: 'buy', quantity: '100', limitPrice: '100.20', strategy: 'alpha' });
  await context.place({ symbol: 'QQQ', side: 'sell_short', quantity: '50', limitPrice: '199.80', strategy: 'beta' });
  const held = await context.until(async () => {
    const positions = await context.exchangePositions();
    const spy = positions.find((position) => position.symbol === 'SPY');
    const qqq = positions.find((position) => position.symbol === 'QQQ');
    return spy && qqq && dec(spy.quantity).equals(100) && dec(qqq.quantity).equals(-50) ? true : null;
  });
  context.require('long 100 SPY and short 50 QQQ at the exchange', held === true, held ? 'filled' : JSON.stringify(await context.exchangePositions()));
  const resting = await Promise.all([
    context.place({ symbol: 'SPY', side: 'sell', quantity: '100', limitPrice: '109.00', strategy: 'alpha' }),
    context.place({ symbol: 'QQQ', side: 'buy_to_cover', quantity: '20', limitPrice: '181.00', strategy: 'beta' }),
    context.place({ symbol: 'SPY', side: 'buy', quantity: '10', limitPrice: '91.00', strategy: 'gamma' }),
  ]);
  const restingIds = new Set(resting.map((answer) => answer.clientOrderId));
  const allRest = await context.until(async () => ((await context.exchangeOpenOrders()).filter((order) => restingIds.has(order.clientOrderId)).length === 3 ? true : null));
  context.require('three orders rest at the exchange', allRest === true, resting.map((answer) => answer.status).join(', '));

  const started = Date.now();
  const stop = await context.request<{ stopId: string }>(commandSubjects.risk.emergencyStop, { scope: 'all', reason: 'drill: emergency stop', actor: drillPeople.riskOfficer }, 15_000);
  const completed = await context.until(
    async () => (await context.system.store.readStream(`emergencystop-${stop.stopId}`)).find((event) => event.type === 'EmergencyStopCompleted'),
    Math.max(context.options.stepTimeoutMs, 20_000),
    20,
  );
  const timeToComplete = completed ? Date.parse(completed.recordedAt) - started : Number.NaN;
  const outcome = completed?.data as EmergencyStopCompletedData | undefined;

  const engaged = (await context.eventsOf(['KillSwitchEngaged'])).map((event) => event.data as KillSwitchEngagedData).find((data) => data.scope === 'all');
  context.check('the kill switch is engaged for the scope first', engaged !== undefined, engaged ? `listed ${engaged.ordersToCancel.length} resting orders to cancel` : 'no KillSwitchEngaged');
  const open = await context.exchangeOpenOrders();
  const stillResting = open.filter((order) => restingIds.has(order.clientOrderId)).length;
  context.check('every resting order is cancelled at the exchange', stillResting === 0, `${stillResting} of 3 still open`);

  const events = await context.events();
  const exits = events.filter((event) => event.type === 'EmergencyExit').map((event) => event.data as EmergencyExitData);
  const exitOrders = events.filter((event) => event.type === 'OrderInitialized' && (event.data as OrderInitializedData).intentKind === 'emergency');
  const marketOrders = exitOrders.filter((event) => (event.data as OrderInitializedData).type !== 'limit').length;
  const collared = exits.every((exit) => {
    const mid = exit.symbol === 'SPY' ? dec('100') : dec('200');
    const price = exit.limitPrice ? dec(exit.limitPrice) : null;
    if (!price) return false;
    // Marketable (through the touch) yet inside the 10 % collar around the mid.
    return exit.side === 'sell' ? price.lessThan(mid) && price.greaterThanOrEqualTo(mid.times('0.9')) : price.greaterThan(mid) && price.lessThanOrEqualTo(mid.times('1.1'));
  });
  context.check(
    'each position is flattened by an EmergencyExit: a collared marketable limit order, never a market order',
    exits.length >= 2 && exits.every((exit) => exit.cause === 'emergency_stop' && exit.orderType === 'limit') && marketOrders === 0 && collared,
    `${exits.length} EmergencyExit events (${exits.map((exit) => `${exit.side} ${exit.quantity} ${exit.symbol} @ ${exit.limitPrice}`).join(', ')}); ${marketOrders} market orders`,
  );
  const lastCancel = maxRecorded(events.filter((event) => event.type === 'OrderCanceled' && resting.some((answer) => answer.orderId === (event.data as { orderId: string }).orderId)));
  const firstExit = minRecorded(exitOrders);
  context.check('exits were sent only after every cancel in scope was confirmed', lastCancel !== null && firstExit !== null && firstExit >= lastCancel, `last cancel recorded ${iso(lastCancel)}, first exit ${iso(firstExit)}`);

  const flat = await context.until(async () => ((await context.exchangePositions()).every((position) => dec(position.quantity).isZero()) ? true : null));
  context.check('the exchange reports every position flat', flat === true, JSON.stringify(await context.exchangePositions()));
  context.check('EmergencyStopCompleted says flat', outcome?.outcome === 'flat', outcome ? `${outcome.outcome}; left: ${JSON.stringify(outcome.remaining)}` : 'not completed');

  const after = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '99.00', strategy: 'alpha' });
  const afterReasons = await deniedReasons(context, after.orderId);
  context.check('after the stop, new orders are denied KILL_SWITCH_ENGAGED until a person releases it', afterReasons.some((reason) => reason.startsWith('KILL_SWITCH_ENGAGED:')), afterReasons.join('; ') || after.status);
  await context.request(commandSubjects.risk.release, { scope: 'all', reason: 'drill: emergency stop drill complete', actor: drillPeople.riskOfficer, role: 'risk' });

  context.figure('positionsFlattened', flat === true ? 2 : 0);
  context.figure('exitOrders', exitOrders.length);
  context.figure('marketOrdersUsed', marketOrders);
  context.figure('restingOrdersCancelled', 3 - stillResting);
  context.figure('timeToFlatMs', Number.isFinite(timeToComplete) ? Math.round(timeToComplete) : 0);
}

function maxRecorded(events: RecordedEvent[]): number | null {
  return events.length === 0 ? null : Math.max(...events.map((event) => Date.parse(event.recordedAt)));
}

function minRecorded(events: RecordedEvent[]): number | null {
  return events.length === 0 ? null : Math.min(...events.map((event) => Date.parse(event.recordedAt)));
}

function iso(time: number | null): string {
  return time === null ? 'never' : new Date(time).toISOString();
}
