import { dec } from '@tollgate/kernel';
import {
  DEFAULT_EXIT_EXECUTION,
  evaluateExitRules,
  startTrailingAnchor,
  updateTrailingAnchor,
  type ExitContext,
  type ExitPosition,
  type ExitQuote,
  type ExitRulesConfig,
  type TrailingAnchor,
} from './exit-rules';
import { exitRequestFor } from './exit-request';
import { exitIntentIdFor } from './position-exit.decide';

const openedAt = '2026-03-02T14:45:00.000Z';
const long: ExitPosition = {
  positionId: 'account-1:trend:AAPL',
  symbol: 'AAPL',
  side: 'long',
  quantity: dec('100'),
  entryPrice: dec('100'),
  stopPrice: dec('97'),
  targetPrice: dec('106'),
  openedAt,
};
const short: ExitPosition = { ...long, side: 'short', stopPrice: dec('103'), targetPrice: dec('94') };
const config: ExitRulesConfig = {
  trailingStop: { distance: dec('2'), unit: 'percent' },
  maxHoldingMinutes: 240,
  flattenMinutesBeforeClose: 10,
  exitOnConfirmedBreak: true,
  execution: DEFAULT_EXIT_EXECUTION,
  wideSpreadBps: dec('50'),
  tickSize: dec('0.01'),
};
const calm: ExitContext = { minutesToClose: 120, lastBreakConfirmedAt: null };

function quote(bid: string, ask: string, at = '2026-03-02T15:00:00.000Z'): ExitQuote {
  return { at, bid: dec(bid), ask: dec(ask) };
}

/** Evaluates after feeding the quotes to the trailing anchor, as the service does on each event. */
function evaluate(position: ExitPosition, quotes: ExitQuote[], context: ExitContext = calm, rules: ExitRulesConfig = config) {
  let anchor: TrailingAnchor = startTrailingAnchor(position);
  for (const each of quotes) anchor = updateTrailingAnchor(anchor, position.side, each);
  return evaluateExitRules(position, quotes[quotes.length - 1]!, context, rules, anchor);
}

describe('exit rules', () => {
  it('leaves a position alone while no rule fires', () => {
    expect(evaluate(long, [quote('100.50', '100.52')])).toBeNull();
  });

  it('fires the stop loss on the bid for a long and on the ask for a short, as a marketable exit', () => {
    expect(evaluate(long, [quote('97.00', '97.02')])).toMatchObject({ rule: 'stop_loss', orderType: 'market', limitPrice: null, triggerPrice: dec('97.00') });
    const noTrailing = { ...config, trailingStop: null };
    expect(evaluate(short, [quote('102.98', '103.00')], calm, noTrailing)).toMatchObject({ rule: 'stop_loss', triggerPrice: dec('103.00') });
    expect(evaluate(short, [quote('102.97', '102.99')], calm, noTrailing)).toBeNull();
  });

  it('takes profit with a limit order resting at the target', () => {
    expect(evaluate(long, [quote('106.01', '106.03')])).toMatchObject({ rule: 'take_profit', orderType: 'limit', limitPrice: dec('106') });
    expect(evaluate(short, [quote('93.95', '93.97')])).toMatchObject({ rule: 'take_profit', orderType: 'limit', limitPrice: dec('94') });
  });

  it('trails the best bid since entry and fires when the bid falls the configured distance from it', () => {
    const rising = [quote('101', '101.02'), quote('104', '104.02'), quote('103', '103.02')];
    expect(evaluate(long, rising)).toBeNull();
    const decision = evaluate(long, [...rising, quote('101.92', '101.94')]);
    expect(decision).toMatchObject({ rule: 'trailing_stop' });
    expect(decision!.detail).toContain('trailing level 101.92 (best 104)');
  });

  it('trails a short from the lowest ask', () => {
    expect(evaluate(short, [quote('95.98', '96.00'), quote('97.90', '97.92')])).toMatchObject({ rule: 'trailing_stop' });
  });

  it('flattens the configured number of minutes before the close', () => {
    expect(evaluate(long, [quote('100.50', '100.52')], { ...calm, minutesToClose: 11 })).toBeNull();
    expect(evaluate(long, [quote('100.50', '100.52')], { ...calm, minutesToClose: 10 })).toMatchObject({ rule: 'end_of_day', orderType: 'market' });
  });

  it('closes a position held longer than the time stop', () => {
    expect(evaluate(long, [quote('100.50', '100.52', '2026-03-02T18:44:59.000Z')])).toBeNull();
    expect(evaluate(long, [quote('100.50', '100.52', '2026-03-02T18:45:00.000Z')])).toMatchObject({ rule: 'time_stop' });
  });

  it('exits when a structural break was confirmed after entry, not for one confirmed before', () => {
    expect(evaluate(long, [quote('100.50', '100.52')], { ...calm, lastBreakConfirmedAt: '2026-03-02T14:59:00.000Z' })).toMatchObject({ rule: 'structural_break' });
    expect(evaluate(long, [quote('100.50', '100.52')], { ...calm, lastBreakConfirmedAt: '2026-03-02T14:30:00.000Z' })).toBeNull();
    expect(evaluate(long, [quote('100.50', '100.52')], { ...calm, lastBreakConfirmedAt: '2026-03-02T14:59:00.000Z' }, { ...config, exitOnConfirmedBreak: false })).toBeNull();
  });

  it('lets the loss-capping rule win when several fire at once', () => {
    const everything: ExitContext = { minutesToClose: 1, lastBreakConfirmedAt: '2026-03-02T14:59:00.000Z' };
    expect(evaluate(long, [quote('96', '96.02', '2026-03-02T19:00:00.000Z')], everything)).toMatchObject({ rule: 'stop_loss' });
    expect(evaluate(long, [quote('100.50', '100.52', '2026-03-02T19:00:00.000Z')], everything)).toMatchObject({ rule: 'structural_break' });
  });

  it('flags a marketable exit across a spread wider than configured', () => {
    const decision = evaluate(long, [quote('96.50', '97.20')]);
    expect(decision).toMatchObject({ rule: 'stop_loss', crossesWideSpread: true });
    expect(decision!.spreadBps.toFixed(2)).toBe('72.28');
  });

  it('rests a limit exit for a time-based rule at the far touch, on the tick, without crossing', () => {
    const limitEverything: ExitRulesConfig = { ...config, execution: { ...DEFAULT_EXIT_EXECUTION, end_of_day: 'limit' } };
    expect(evaluate(long, [quote('100.50', '100.515')], { ...calm, minutesToClose: 5 }, limitEverything)).toMatchObject({
      rule: 'end_of_day',
      orderType: 'limit',
      limitPrice: dec('100.52'),
      crossesWideSpread: false,
    });
  });
});

describe('from a fired rule to the exit stream', () => {
  it('builds the exit request with the closing side, the whole quantity and the rule', () => {
    const decision = evaluate(short, [quote('102.98', '103.00')], calm, { ...config, trailingStop: null })!;
    const request = exitRequestFor(short, decision, { at: '2026-03-02T15:00:00.000Z', duringMarketHours: true, wideSpreadBps: config.wideSpreadBps });
    expect(request).toMatchObject({ type: 'RequestExit', side: 'buy_to_cover', quantity: dec('100'), rule: 'stop_loss', orderType: 'market', duringMarketHours: true });
    expect(request.exitIntentId).toBe(exitIntentIdFor(short.positionId, 'stop_loss', '2026-03-02T15:00:00.000Z'));
  });
});
