import type {
  AlertRaised,
  BreakerAction,
  BreakerName,
  CircuitBreakerReset,
  CircuitBreakerTripped,
  EquityHighWaterMarkRaised,
  RiskEventOf,
  TradingStateChanged,
  TradingStatus,
  WorkingOrdersCancelRequested,
} from '@tollgate/contracts';

export type BreakerEvent =
  | RiskEventOf<typeof CircuitBreakerTripped>
  | RiskEventOf<typeof CircuitBreakerReset>
  | RiskEventOf<typeof EquityHighWaterMarkRaised>
  | RiskEventOf<typeof TradingStateChanged>
  | RiskEventOf<typeof WorkingOrdersCancelRequested>
  | RiskEventOf<typeof AlertRaised>;

export interface TrippedBreaker {
  value: string;
  bound: string;
  action: BreakerAction;
  at: string;
  coolDownMs: number | null;
}

/**
 * The breakers of one scope (`breakers-<scope>`). It also folds the scope's TradingStateChanged
 * events (from any stream), because a trip only ever tightens the state and a reset only loosens
 * what breakers set.
 */
export interface BreakerBoard {
  tripped: Partial<Record<BreakerName, TrippedBreaker>>;
  highWaterMark: string | null;
  tradingStatus: TradingStatus;
  tradingCause: string;
}

export const initialBreakerBoard = (): BreakerBoard => ({ tripped: {}, highWaterMark: null, tradingStatus: 'ACTIVE', tradingCause: 'initial' });

export function evolveBreakerBoard(state: BreakerBoard, event: BreakerEvent): BreakerBoard {
  switch (event.type) {
    case 'CircuitBreakerTripped': {
      const { breaker, value, bound, action, at, coolDownMs } = event.data;
      return { ...state, tripped: { ...state.tripped, [breaker]: { value, bound, action, at, coolDownMs } } };
    }
    case 'CircuitBreakerReset': {
      const tripped = { ...state.tripped };
      delete tripped[event.data.breaker];
      return { ...state, tripped };
    }
    case 'EquityHighWaterMarkRaised':
      return { ...state, highWaterMark: event.data.equity };
    case 'TradingStateChanged':
      return { ...state, tradingStatus: event.data.to, tradingCause: event.data.cause };
    case 'WorkingOrdersCancelRequested':
    case 'AlertRaised':
      return state;
    default: {
      const unknown: never = event;
      throw new Error(`unknown breaker event ${JSON.stringify(unknown)}`);
    }
  }
}
