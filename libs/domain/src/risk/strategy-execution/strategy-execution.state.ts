import type { RiskEventOf, StrategyDisabled, StrategyEnabled } from '@tollgate/contracts';

export type StrategyExecutionEvent = RiskEventOf<typeof StrategyDisabled> | RiskEventOf<typeof StrategyEnabled>;

/** One per strategy (`strategyrisk-<name>`). Fills before the last re-enable no longer count. */
export type StrategyExecutionState =
  | { status: 'enabled'; countFillsAfter: string | null }
  | { status: 'disabled'; cause: string; since: string };

export const initialStrategyExecutionState = (): StrategyExecutionState => ({ status: 'enabled', countFillsAfter: null });

export function evolveStrategyExecution(_state: StrategyExecutionState, event: StrategyExecutionEvent): StrategyExecutionState {
  switch (event.type) {
    case 'StrategyDisabled':
      return { status: 'disabled', cause: event.data.cause, since: event.data.at };
    case 'StrategyEnabled':
      return { status: 'enabled', countFillsAfter: event.data.at };
    default: {
      const unknown: never = event;
      throw new Error(`unknown strategy execution event ${JSON.stringify(unknown)}`);
    }
  }
}
