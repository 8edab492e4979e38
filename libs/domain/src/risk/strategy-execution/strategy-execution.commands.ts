import type { OperatorRole } from '@tollgate/contracts';

/**
 * C6, the repeated-execution throttle (RTS 6 Art. 15(3)). Sent after each fill of the strategy with
 * the strategy's fill times, which the risk service reads from the fill events (so the count
 * survives a restart without events of its own).
 */
export interface ObserveStrategyFills {
  type: 'ObserveStrategyFills';
  strategy: string;
  fillTimes: readonly string[];
  maxFills: number;
  windowMs: number;
  at: string;
}

/** A strategy stopped by a person or by another control (C15 runaway generator). */
export interface DisableStrategy {
  type: 'DisableStrategy';
  strategy: string;
  cause: string;
  actor: string;
  at: string;
}

export interface EnableStrategy {
  type: 'EnableStrategy';
  strategy: string;
  actor: string;
  role: OperatorRole | null;
  reason: string;
  at: string;
}

export type StrategyExecutionCommand = ObserveStrategyFills | DisableStrategy | EnableStrategy;
