import { denial, type DenialReason } from '@tollgate/contracts';
import { scopesOfOrder } from '../scope';
import type { CheckContext } from './check-context';
import { ownEntry } from './snapshot';

const RESTRICTIVENESS = { ACTIVE: 0, REDUCING: 1, HALTED: 2 } as const;

/** Kill switch, trading state, disabled strategy, venue halts, mode permissions, restricted list. */
export function gateReasons(context: CheckContext, reasons: DenialReason[]): void {
  const { request, snapshot, account } = context;

  // C12/Art. 12 kill switch: any engaged scope the order falls in blocks it.
  if (!context.emergencyExit && snapshot.killSwitches.size > 0) {
    for (const scope of scopesOfOrder(request)) {
      if (snapshot.killSwitches.has(scope)) {
        reasons.push(denial('KILL_SWITCH_ENGAGED', { scope }));
        break;
      }
    }
  }

  // Trading state per account and per strategy; the most restrictive wins.
  const accountScope = `account:${request.accountId}`;
  let strictest: { scope: string; status: 'ACTIVE' | 'REDUCING' | 'HALTED'; cause: string } = { scope: accountScope, status: 'ACTIVE', cause: '' };
  for (const scope of request.strategy ? [accountScope, `strategy:${request.strategy}`] : [accountScope]) {
    const state = ownEntry(snapshot.tradingStates, scope);
    if (state && RESTRICTIVENESS[state.status] > RESTRICTIVENESS[strictest.status]) strictest = { scope, status: state.status, cause: state.cause };
  }
  if (strictest.status === 'HALTED' && !context.emergencyExit) reasons.push(denial('TRADING_HALTED', { scope: strictest.scope, cause: strictest.cause }));
  if (strictest.status === 'REDUCING' && !context.reducing) reasons.push(denial('TRADING_REDUCING_ONLY', { scope: strictest.scope, cause: strictest.cause }));

  // C6: a strategy the repeated-execution throttle disabled may still reduce.
  const disabled = request.strategy ? ownEntry(snapshot.disabledStrategies, request.strategy) : undefined;
  if (disabled && !context.reducing) reasons.push(denial('STRATEGY_DISABLED', { strategy: request.strategy!, cause: disabled.cause }));

  // C17: a halted venue takes nothing, reducing or not; retrying into a halt is a storm.
  if (snapshot.marketHalted) reasons.push(denial('VENUE_HALTED', { scope: 'market' }));
  else if (snapshot.haltedSymbols.has(request.symbol)) reasons.push(denial('VENUE_HALTED', { scope: `symbol:${request.symbol}` }));

  // C10: permissions per mode and stage. Closing a position is always allowed.
  if (!context.reducing) {
    const permissions = account.modes[snapshot.mode];
    if (!permissions) {
      reasons.push(denial('NOT_PERMITTED_IN_MODE', { mode: snapshot.mode, kind: 'mode', value: snapshot.mode }));
    } else {
      if (request.strategy === null) {
        if (!permissions.manualOrders) reasons.push(denial('NOT_PERMITTED_IN_MODE', { mode: snapshot.mode, kind: 'manual', value: 'manual' }));
      } else if (permissions.strategies !== '*' && !permissions.strategies.includes(request.strategy)) {
        reasons.push(denial('NOT_PERMITTED_IN_MODE', { mode: snapshot.mode, kind: 'strategy', value: request.strategy }));
      }
      if (permissions.symbols !== '*' && !permissions.symbols.includes(request.symbol)) {
        reasons.push(denial('NOT_PERMITTED_IN_MODE', { mode: snapshot.mode, kind: 'symbol', value: request.symbol }));
      }
      if (permissions.maxSymbols !== undefined) {
        const alreadyOpen = snapshot.worst.get(request.symbol)?.open ?? false;
        const symbols = snapshot.totals.openPositions + (alreadyOpen ? 0 : 1);
        if (symbols > permissions.maxSymbols) {
          reasons.push(denial('SYMBOL_COUNT_EXCEEDS_ENVELOPE', { mode: snapshot.mode, symbols: String(symbols), max: String(permissions.maxSymbols) }));
        }
      }
    }
  }

  if (!context.emergencyExit && account.restrictedSymbols.has(request.symbol)) reasons.push(denial('SYMBOL_RESTRICTED', { symbol: request.symbol }));
}
