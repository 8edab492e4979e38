import { commandSubjects, type OverrideUsedData } from '@tollgate/contracts';
import { deniedReasons } from './breaker.drill';
import { drillPeople, type DrillContext } from './drill';
import { applyDrillLimits, drillLimits } from './drill-limits';

interface OverrideAnswer {
  overrideId: string;
  status: string;
  clientOrderId: string;
}

/**
 * Manual override (C18, RTS 6 Art. 15(6)): with a 100-share limit, a 150-share manual order is denied;
 * an override requested by one person cannot be approved by the same person; approved by a risk
 * officer it lets exactly that one order through (OverrideUsed records what it waived); it cannot be
 * used again, a slice after it is still denied, an expired one waives nothing, and a control that is
 * never overridable cannot be asked for.
 */
export async function overrideDrill(context: DrillContext): Promise<void> {
  const { market, system } = context;
  await applyDrillLimits(
    context,
    drillLimits(system.accountId, (limits, account) => {
      limits.instrumentDefaults.maxOrderQuantity = '100';
      account.throttles.cumulativeWindowMs = 60_000;
    }),
    'override drill',
  );
  market.quote('SPY', '99.99', '100.01');
  market.start();
  await context.quotesSeen(['SPY']);

  const plain = await context.place({ symbol: 'SPY', side: 'buy', quantity: '150', limitPrice: '98.00' });
  const plainReasons = await deniedReasons(context, plain.orderId);
  context.require('without an override, 150 shares against a 100 limit are denied QUANTITY_EXCEEDS_MAXIMUM', plainReasons.some((reason) => reason.startsWith('QUANTITY_EXCEEDS_MAXIMUM:')), plainReasons.join('; ') || plain.status);

  const intent = context.nextIntent('override');
  const requested = await context.request<OverrideAnswer>(commandSubjects.risk.overrideRequest, {
    intentId: intent,
    symbol: 'SPY',
    side: 'buy',
    quantity: '150',
    controls: ['QUANTITY_EXCEEDS_MAXIMUM'],
    reason: 'drill: one oversized order',
    expiresInMs: 600_000,
    actor: drillPeople.trader,
  });
  const selfApproval = await refusal(() => context.request(commandSubjects.risk.overrideApprove, { overrideId: requested.overrideId, actor: drillPeople.trader, role: 'risk' }));
  context.check('the requester cannot approve their own override', /SELF_APPROVAL_REFUSED/.test(selfApproval), selfApproval || 'approved');
  const approved = await context.request<OverrideAnswer>(commandSubjects.risk.overrideApprove, { overrideId: requested.overrideId, actor: drillPeople.riskOfficer, role: 'risk' });
  context.require('a second person with the risk role approves it', approved.status === 'approved', approved.status);

  const covered = await context.place({ intentId: intent, symbol: 'SPY', side: 'buy', quantity: '150', limitPrice: '98.00', overrideId: requested.overrideId });
  const rests = await context.until(async () => (await context.exchangeOpenOrders()).some((order) => order.clientOrderId === covered.clientOrderId));
  const used = (await context.eventsOf(['OverrideUsed'])).map((event) => event.data as OverrideUsedData).find((data) => data.overrideId === requested.overrideId);
  context.check(
    'the covered order goes through and OverrideUsed records what was waived',
    rests === true && used?.clientOrderId === covered.clientOrderId && used.waived.some((waived) => waived.code === 'QUANTITY_EXCEEDS_MAXIMUM'),
    `order ${rests ? 'rests at the exchange' : covered.status}; waived ${used?.waived.map((waived) => waived.message).join('; ') ?? 'nothing recorded'}`,
  );

  const reuse = await context.place({ symbol: 'SPY', side: 'buy', quantity: '150', limitPrice: '97.99', overrideId: requested.overrideId });
  const reuseReasons = await deniedReasons(context, reuse.orderId);
  const reuseDenied = reuseReasons.some((reason) => reason.startsWith('OVERRIDE_NOT_VALID:'));
  context.check('the override covers one order: another order naming it is denied OVERRIDE_NOT_VALID', reuseDenied, reuseReasons.join('; ') || reuse.status);

  const slice = await context.place({ symbol: 'SPY', side: 'buy', quantity: '80', limitPrice: '97.98' });
  const sliceReasons = await deniedReasons(context, slice.orderId);
  const sliceDenied = sliceReasons.some((reason) => reason.startsWith('CUMULATIVE_QUANTITY_EXCEEDS_MAXIMUM:'));
  context.check('slicing does not get around the limit: an 80-share slice after it is denied', sliceDenied, sliceReasons.join('; ') || slice.status);

  const shortLived = context.nextIntent('expiring');
  const expiring = await context.request<OverrideAnswer>(commandSubjects.risk.overrideRequest, {
    intentId: shortLived,
    symbol: 'SPY',
    side: 'buy',
    quantity: '150',
    controls: ['QUANTITY_EXCEEDS_MAXIMUM'],
    reason: 'drill: expires before use',
    expiresInMs: 60_000,
    actor: drillPeople.trader,
  });
  await context.request(commandSubjects.risk.overrideApprove, { overrideId: expiring.overrideId, actor: drillPeople.riskOfficer, role: 'risk' });
  market.advance(120_000);
  await context.quotesSeen(['SPY'], market.now().getTime());
  const late = await context.place({ intentId: shortLived, symbol: 'SPY', side: 'buy', quantity: '150', limitPrice: '97.97', overrideId: expiring.overrideId });
  const lateReasons = await deniedReasons(context, late.orderId);
  const expiredDenied = lateReasons.some((reason) => reason.startsWith('OVERRIDE_NOT_VALID:') && reason.includes('problem=expired'));
  context.check('an expired override waives nothing (OVERRIDE_NOT_VALID, expired)', expiredDenied, lateReasons.join('; ') || late.status);

  const forbidden = await refusal(() =>
    context.request(commandSubjects.risk.overrideRequest, {
      intentId: context.nextIntent('forbidden'),
      symbol: 'SPY',
      side: 'buy',
      quantity: '1',
      controls: ['KILL_SWITCH_ENGAGED'],
      reason: 'drill: never overridable',
      actor: drillPeople.trader,
    }),
  );
  context.check('a control that is never overridable cannot be asked for', /KILL_SWITCH_ENGAGED/.test(forbidden), forbidden || 'the request was accepted');

  context.figure('overrideOrdersAllowed', rests === true ? 1 : 0);
  context.figure('selfApprovalRefused', /SELF_APPROVAL_REFUSED/.test(selfApproval));
  context.figure('reuseDenied', reuseDenied);
  context.figure('sliceDenied', sliceDenied);
  context.figure('expiredDenied', expiredDenied);
}

async function refusal(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return '';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
