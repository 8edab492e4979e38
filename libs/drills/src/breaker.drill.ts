import { commandSubjects, type AlertRaisedData, type CircuitBreakerTrippedData, type TradingStateChangedData, type WorkingOrdersCancelRequestedData } from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import { drillPeople, millis, type DrillContext } from './drill';
import { applyDrillLimits, drillLimits } from './drill-limits';

const MAX_LOSS = '500';

/**
 * Daily loss breaker on mark-to-market equity (C9): hold 100 shares, move the price with no trade until
 * the loss passes 500 — the breaker trips, the account goes HALTED, its resting order is cancelled at
 * the exchange, an alert is recorded and new orders are denied. A reset by someone without a risk role is
 * refused; a reset while the loss is still past the bound trips again; once the price recovers, a risk
 * officer's reset brings the account back to ACTIVE.
 */
export async function breakerDrill(context: DrillContext): Promise<void> {
  const { market, system } = context;
  const scope = `account:${system.accountId}`;
  await applyDrillLimits(context, drillLimits(system.accountId, (_limits, account) => (account.breakers = { dailyLoss: { maxLoss: MAX_LOSS, action: 'HALTED' } })), 'breaker drill');
  market.quote('SPY', '99.99', '100.01');
  market.start();
  await context.quotesSeen(['SPY']);

  const entry = await context.place({ symbol: 'SPY', side: 'buy', quantity: '100', limitPrice: '100.20', strategy: 'breaker-drill' });
  const held = await context.until(async () => ((await context.exchangePositions()).find((position) => position.symbol === 'SPY' && dec(position.quantity).equals(100)) ? true : null));
  context.require('100 SPY held at the exchange', held === true, held ? 'filled' : `entry order ${entry.status}, not filled`);
  const restingOrder = await context.place({ symbol: 'SPY', side: 'buy', quantity: '10', limitPrice: '90.00', strategy: 'breaker-drill' });
  const rests = await context.until(async () => (await context.exchangeOpenOrders()).some((order) => order.clientOrderId === restingOrder.clientOrderId));
  context.require('a working order rests at the exchange', rests === true, restingOrder.status);
  const fillsBefore = await exchangeFills(context);

  // The price falls; nothing trades.
  const moved = Date.now();
  market.quote('SPY', '94.49', '94.51');
  const halted = await context.until(async () =>
    (await context.system.store.readStream(`tradingstate-${scope}`)).find((event) => event.type === 'TradingStateChanged' && (event.data as TradingStateChangedData).to === 'HALTED'),
  );
  const trip = (await context.eventsOf(['CircuitBreakerTripped'])).map((event) => event.data as CircuitBreakerTrippedData).find((data) => data.breaker === 'daily_loss');
  context.require('the daily loss breaker trips on the price move (CircuitBreakerTripped daily_loss)', trip !== undefined && dec(trip.value).greaterThan(dec(MAX_LOSS)), trip ? `loss ${trip.value} against ${trip.bound}` : 'no trip recorded');
  const tripLatency = halted ? Date.parse(halted.recordedAt) - moved : Number.NaN;
  context.check(`${scope} is HALTED by the breaker`, halted !== null && (halted.data as TradingStateChangedData).cause === 'breaker:daily_loss', halted ? `${millis(tripLatency)} ms after the price moved` : 'not halted');
  context.check('it tripped with no trade: the exchange recorded no fill after the price moved', (await exchangeFills(context)) === fillsBefore, `${fillsBefore} fills before, ${await exchangeFills(context)} after`);
  const cancelIntent = (await context.eventsOf(['WorkingOrdersCancelRequested'])).map((event) => event.data as WorkingOrdersCancelRequestedData).find((data) => data.cause === 'breaker:daily_loss');
  const cancelled = await context.until(async () => ((await context.exchangeOpenOrders()).some((order) => order.clientOrderId === restingOrder.clientOrderId) ? null : true));
  context.check('the halt cancels the working order at the exchange', cancelIntent?.clientOrderIds.includes(restingOrder.clientOrderId) === true && cancelled === true, cancelled ? 'cancelled' : 'still resting');
  const alert = (await context.eventsOf(['AlertRaised'])).map((event) => event.data as AlertRaisedData).find((data) => data.code === 'CIRCUIT_BREAKER_TRIPPED');
  context.check('an alert is recorded (AlertRaised CIRCUIT_BREAKER_TRIPPED, critical)', alert?.severity === 'critical', alert?.message ?? 'no alert');
  const whileHalted = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '94.00', strategy: 'breaker-drill' });
  const denial = await deniedReasons(context, whileHalted.orderId);
  context.check('new orders are denied TRADING_HALTED', denial.some((reason) => reason.startsWith('TRADING_HALTED:')), denial.join('; ') || 'not denied');

  // Resets.
  let refused = '';
  try {
    await context.request(commandSubjects.breakers.reset, { breaker: 'daily_loss', scope, reason: 'drill: no role', actor: drillPeople.trader, role: null });
  } catch (error) {
    refused = error instanceof Error ? error.message : String(error);
  }
  context.check('a reset without a risk role is refused', /ROLE_NOT_PERMITTED/.test(refused), refused || 'the reset was accepted');
  await context.request(commandSubjects.breakers.reset, { breaker: 'daily_loss', scope, reason: 'drill: reset while still losing', actor: drillPeople.riskOfficer, role: 'risk' });
  const retripped = await context.until(async () => ((await context.eventsOf(['CircuitBreakerTripped'])).filter((event) => (event.data as CircuitBreakerTrippedData).breaker === 'daily_loss').length >= 2 ? true : null));
  context.check('a reset while the loss is still past the bound trips again', retripped === true, retripped ? 'tripped again' : 'stayed reset');

  market.quote('SPY', '99.99', '100.01');
  await context.quotesSeen(['SPY'], market.now().getTime());
  await context.request(commandSubjects.breakers.reset, { breaker: 'daily_loss', scope, reason: 'drill: price recovered', actor: drillPeople.riskOfficer, role: 'risk' });
  const active = await context.until(async () => {
    const events = (await context.system.store.readStream(`tradingstate-${scope}`)).filter((event) => event.type === 'TradingStateChanged');
    const last = events.at(-1)?.data as TradingStateChangedData | undefined;
    return last?.to === 'ACTIVE' ? last : null;
  });
  const afterReset = await context.place({ symbol: 'SPY', side: 'buy', quantity: '1', limitPrice: '95.00', strategy: 'breaker-drill' });
  const trades = await context.until(async () => (await context.exchangeOpenOrders()).some((order) => order.clientOrderId === afterReset.clientOrderId));
  context.check('reset by a risk officer after the recovery: ACTIVE and trading again', active !== null && trades === true, `${active ? 'ACTIVE' : 'not ACTIVE'}; new order ${trades ? 'rests' : 'does not rest'} at the exchange`);

  context.figure('lossBound', MAX_LOSS);
  if (trip) context.figure('lossAtTrip', trip.value);
  context.figure('tripLatencyMs', millis(tripLatency));
  context.figure('workingOrdersCancelled', cancelled ? 1 : 0);
  context.figure('deniedWhileHalted', denial.some((reason) => reason.startsWith('TRADING_HALTED:')) ? 1 : 0);
}

async function exchangeFills(context: DrillContext): Promise<number> {
  return (await context.system.store.readStream(`simexchange-${context.system.accountId}`)).filter((event) => event.type === 'SimulatedOrderFilled').length;
}

export async function deniedReasons(context: DrillContext, orderId: string): Promise<string[]> {
  const event = await context.until(async () => (await context.eventsOf(['OrderDenied'])).find((candidate) => (candidate.data as { orderId: string }).orderId === orderId), 5_000);
  return event ? (event.data as { reasons: string[] }).reasons : [];
}
