import type { RiskEventOf, TradingStateChanged, TradingStatus } from '@tollgate/contracts';

export type TradingStateEvent = RiskEventOf<typeof TradingStateChanged>;

/**
 * ACTIVE trades; REDUCING takes only risk-reducing orders; HALTED takes nothing but cancels.
 * One per scope (`account:ID`, `strategy:NAME`); a scope with no events is ACTIVE.
 */
export interface TradingState {
  status: TradingStatus;
  /** What put it there: `operator`, `breaker:<name>`, … */
  cause: string;
  since: string | null;
}

export const initialTradingState = (): TradingState => ({ status: 'ACTIVE', cause: 'initial', since: null });

export function evolveTradingState(_state: TradingState, event: TradingStateEvent): TradingState {
  return { status: event.data.to, cause: event.data.cause, since: event.data.at };
}

export const RESTRICTIVENESS: Record<TradingStatus, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

export function stricter(a: TradingStatus, b: TradingStatus): TradingStatus {
  return RESTRICTIVENESS[a] >= RESTRICTIVENESS[b] ? a : b;
}

/** Every scope's state from TradingStateChanged events, wherever they were appended; for snapshots and `tollgate state`. */
export type TradingStateBoard = Readonly<Record<string, TradingState>>;

export function evolveTradingStateBoard(board: TradingStateBoard, event: TradingStateEvent): TradingStateBoard {
  return { ...board, [event.data.scope]: evolveTradingState(board[event.data.scope] ?? initialTradingState(), event) };
}

export function tradingStateBoardFrom(events: readonly TradingStateEvent[]): TradingStateBoard {
  return events.reduce(evolveTradingStateBoard, {} as TradingStateBoard);
}
