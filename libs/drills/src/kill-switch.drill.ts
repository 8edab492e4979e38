import { commandSubjects, type KillSwitchEngagedData, type RecordedEvent } from '@tollgate/contracts';
import { drillPeople, millis, percentile, type DrillContext, type PlaceAnswer } from './drill';
import { applyDrillLimits, drillLimits } from './drill-limits';

const STRATEGIES = ['alpha', 'beta', 'gamma'] as const;
const SYMBOLS = ['SPY', 'QQQ', 'AAPL'] as const;
const RESTING_ORDERS = 50;

interface Resting {
  strategy: string;
  clientOrderId: string;
  orderId: string;
}

/**
 * Kill switch (RTS 6 Art. 12): 50 resting orders across three strategies; kill one strategy, then
 * everything. Judged from the simulated exchange's own open orders and the store's events: every order
 * in scope cancelled at the exchange (latency from the command to each cancel the exchange recorded),
 * nothing outside the scope touched, new orders in scope denied KILL_SWITCH_ENGAGED, release refused
 * without a risk role, and trading again after a person with the role releases it.
 */
export async function killSwitchDrill(context: DrillContext): Promise<void> {
  const { market, system } = context;
  await applyDrillLimits(context, drillLimits(system.accountId), 'kill-switch drill');
  for (const symbol of SYMBOLS) market.quote(symbol, '99.99', '100.01');
  market.start();
  await context.quotesSeen(SYMBOLS);

  // 50 resting orders: buys 2 % and more below the market, so none fills.
  const resting: Resting[] = [];
  const placements = Array.from({ length: RESTING_ORDERS }, (_, index) => ({
    strategy: STRATEGIES[index % STRATEGIES.length]!,
    symbol: SYMBOLS[index % SYMBOLS.length]!,
    limitPrice: (98 - index * 0.01).toFixed(2),
    quantity: String(1 + (index % 5)),
  }));
  for (let start = 0; start < placements.length; start += 10) {
    const batch = placements.slice(start, start + 10);
    const answers = await Promise.all(batch.map((order) => context.place({ symbol: order.symbol, side: 'buy', quantity: order.quantity, limitPrice: order.limitPrice, strategy: order.strategy })));
    answers.forEach((answer, index) => resting.push({ strategy: batch[index]!.strategy, clientOrderId: answer.clientOrderId, orderId: answer.orderId }));
  }
  const ours = new Set(resting.map((order) => order.clientOrderId));
  const atExchange = await context.until(async () => {
    const open = await context.exchangeOpenOrders();
    const count = open.filter((order) => ours.has(order.clientOrderId)).length;
    return count === RESTING_ORDERS ? count : null;
  });
  context.require('50 orders rest at the simulated exchange before the drill', atExchange === RESTING_ORDERS, `${atExchange ?? 'fewer than 50'} of our ${RESTING_ORDERS} orders are open at the exchange`);

  const latencies: number[] = [];
  const commandToAll: number[] = [];
  let deniedAfter = 0;
  let cancelled = 0;

  // ---- kill one strategy --------------------------------------------------------------------------
  const alpha = resting.filter((order) => order.strategy === 'alpha');
  const others = resting.filter((order) => order.strategy !== 'alpha');
  const alphaKill = await kill(context, 'strategy:alpha', alpha, latencies, commandToAll);
  cancelled += alphaKill.cancelled;
  const engaged = (await context.eventsOf(['KillSwitchEngaged'])).map((event) => event.data as KillSwitchEngagedData).find((data) => data.scope === 'strategy:alpha');
  const listed = new Set(engaged?.ordersToCancel ?? []);
  context.check(
    'KillSwitchEngaged lists exactly the resting orders of the killed strategy',
    listed.size === alpha.length && alpha.every((order) => listed.has(order.clientOrderId)),
    `listed ${listed.size}, strategy alpha had ${alpha.length} resting`,
  );

  const open = new Set((await context.exchangeOpenOrders()).map((order) => order.clientOrderId));
  const othersOpen = others.filter((order) => open.has(order.clientOrderId)).length;
  const cancelRequestsOutside = (await context.eventsOf(['OrderCancelRequested'])).filter((event) => others.some((order) => order.orderId === (event.data as { orderId: string }).orderId)).length;
  const otherScopesUntouched = othersOpen === others.length && cancelRequestsOutside === 0;
  context.check(
    'other strategies untouched',
    otherScopesUntouched,
    `${othersOpen} of ${others.length} beta/gamma orders still rest at the exchange; ${cancelRequestsOutside} cancels were requested for them`,
  );

  const deniedAlpha = await placeAll(context, [
    { symbol: 'SPY', strategy: 'alpha' },
    { symbol: 'QQQ', strategy: 'alpha' },
    { symbol: 'AAPL', strategy: 'alpha' },
  ]);
  const alphaDenied = await deniedWith(context, deniedAlpha, 'KILL_SWITCH_ENGAGED');
  deniedAfter += alphaDenied;
  context.check('new orders of the killed strategy are denied KILL_SWITCH_ENGAGED', alphaDenied === deniedAlpha.length, `${alphaDenied} of ${deniedAlpha.length} recorded as OrderDenied with KILL_SWITCH_ENGAGED`);
  const [betaAnswer] = await placeAll(context, [{ symbol: 'SPY', strategy: 'beta' }]);
  const betaRests = await context.until(async () => (await context.exchangeOpenOrders()).some((order) => order.clientOrderId === betaAnswer!.clientOrderId));
  context.check('another strategy still trades while one is killed', betaRests === true, `beta's new order ${betaRests ? 'rests' : 'does not rest'} at the exchange`);
  if (betaAnswer) others.push({ strategy: 'beta', clientOrderId: betaAnswer.clientOrderId, orderId: betaAnswer.orderId });

  // ---- kill everything ----------------------------------------------------------------------------
  const allKill = await kill(context, 'all', others, latencies, commandToAll);
  cancelled += allKill.cancelled;
  const deniedAll = await placeAll(context, STRATEGIES.map((strategy, index) => ({ symbol: SYMBOLS[index]!, strategy })));
  const allDenied = await deniedWith(context, deniedAll, 'KILL_SWITCH_ENGAGED');
  deniedAfter += allDenied;
  context.check('with everything killed, every new order is denied KILL_SWITCH_ENGAGED', allDenied === deniedAll.length, `${allDenied} of ${deniedAll.length} denied`);

  // ---- release ------------------------------------------------------------------------------------
  let refused = '';
  try {
    await context.request(commandSubjects.risk.release, { scope: 'all', reason: 'drill: release without a role', actor: drillPeople.trader, role: null });
  } catch (error) {
    refused = error instanceof Error ? error.message : String(error);
  }
  context.check('release is refused to a person without a risk role', /ROLE_NOT_PERMITTED/.test(refused), refused || 'the release was accepted');
  for (const scope of ['all', 'strategy:alpha']) {
    await context.request(commandSubjects.risk.release, { scope, reason: 'drill: kill switch drill complete', actor: drillPeople.riskOfficer, role: 'risk' });
  }
  const released = (await context.eventsOf(['KillSwitchReleased'])).length;
  const [after] = await placeAll(context, [{ symbol: 'QQQ', strategy: 'alpha' }]);
  const tradesAgain = await context.until(async () => (await context.exchangeOpenOrders()).some((order) => order.clientOrderId === after!.clientOrderId));
  context.check('released by a risk officer, the strategy trades again', released === 2 && tradesAgain === true, `${released} KillSwitchReleased events; the new alpha order ${tradesAgain ? 'rests' : 'does not rest'} at the exchange`);

  const p99 = percentile(latencies, 99);
  context.check(`every resting order in scope cancelled at the exchange within ${context.options.killLatencyTargetMs} ms (p99)`, latencies.length > 0 && p99 <= context.options.killLatencyTargetMs, `p99 ${millis(p99)} ms over ${latencies.length} cancels; slowest kill ${millis(Math.max(...commandToAll))} ms`);
  context.figure('restingOrders', RESTING_ORDERS);
  context.figure('killLatencyMsP99', millis(p99));
  context.figure('killLatencyMsMax', millis(Math.max(...commandToAll)));
  context.figure('ordersCancelled', cancelled);
  context.figure('ordersDeniedAfter', deniedAfter);
  context.figure('otherScopesUntouched', otherScopesUntouched);
}

/**
 * Engages the kill switch for a scope and measures, per order in scope, the time from the command to the
 * exchange recording its cancel; checks every one is gone from the exchange's open orders.
 */
async function kill(context: DrillContext, scope: string, inScope: Resting[], latencies: number[], commandToAll: number[]): Promise<{ cancelled: number }> {
  const wanted = new Set(inScope.map((order) => order.clientOrderId));
  const started = Date.now();
  await context.request(commandSubjects.risk.kill, { scope, reason: `drill: kill ${scope}`, actor: drillPeople.trader });
  const gone = await context.until(async () => {
    const open = await context.exchangeOpenOrders();
    return open.some((order) => wanted.has(order.clientOrderId)) ? null : Date.now();
  }, context.options.stepTimeoutMs, 2);
  const left = gone === null ? (await context.exchangeOpenOrders()).filter((order) => wanted.has(order.clientOrderId)).length : 0;
  if (gone !== null) commandToAll.push(gone - started);
  context.check(`kill ${scope}: every resting order in scope is cancelled at the exchange`, gone !== null, gone === null ? `${left} of ${wanted.size} still open after ${context.options.stepTimeoutMs} ms` : `${wanted.size} cancelled, the last ${gone - started} ms after the command`);
  // The exchange's own record of each cancel, with the store's clock.
  const exchangeCancels = (await context.system.store.readStream(`simexchange-${context.system.accountId}`)).filter(
    (event: RecordedEvent) => event.type === 'SimulatedOrderCanceled' && wanted.has((event.data as { clientOrderId: string }).clientOrderId),
  );
  for (const event of exchangeCancels) latencies.push(Date.parse(event.recordedAt) - started);
  // Execution records each cancel when the exchange's update reaches it, a moment after the exchange itself.
  const inScopeIds = new Set(inScope.map((order) => order.orderId));
  const countOrderCancels = async () => (await context.eventsOf(['OrderCanceled'])).filter((event) => inScopeIds.has((event.data as { orderId: string }).orderId)).length;
  const recorded = (await context.until(async () => ((await countOrderCancels()) >= wanted.size ? wanted.size : null))) ?? (await countOrderCancels());
  context.check(`kill ${scope}: each cancel is recorded on its order (OrderCanceled)`, recorded === wanted.size, `${recorded} of ${wanted.size} orders recorded OrderCanceled`);
  return { cancelled: exchangeCancels.length };
}

async function placeAll(context: DrillContext, orders: Array<{ symbol: string; strategy: string }>): Promise<PlaceAnswer[]> {
  return Promise.all(orders.map((order, index) => context.place({ symbol: order.symbol, side: 'buy', quantity: '1', limitPrice: (97 - index * 0.01).toFixed(2), strategy: order.strategy })));
}

/** How many of these orders the store records as OrderDenied with the code (the event, not the answer). */
async function deniedWith(context: DrillContext, answers: PlaceAnswer[], code: string): Promise<number> {
  const ids = new Set(answers.map((answer) => answer.orderId));
  const denied = await context.until(async () => {
    const events = (await context.eventsOf(['OrderDenied'])).filter((event) => ids.has((event.data as { orderId: string }).orderId));
    return events.length === ids.size ? events : null;
  }, 5_000);
  return (denied ?? []).filter((event) => (event.data as { reasons: string[] }).reasons.some((reason) => reason.startsWith(`${code}:`))).length;
}
