export {
  DEFAULT_EXIT_EXECUTION,
  evaluateExitRules,
  EXIT_RULE_PRECEDENCE,
  exitPriceOf,
  spreadInBasisPoints,
  startTrailingAnchor,
  updateTrailingAnchor,
  type ExitContext,
  type ExitDecision,
  type ExitExecution,
  type ExitPosition,
  type ExitQuote,
  type ExitRulesConfig,
  type PositionSide,
  type TrailingAnchor,
} from './exit-rules';
export type { AbandonExit, CompleteExit, ForceEmergencyExit, PositionExitCommand, RequestExit } from './position-exit.commands';
export { decidePositionExit, exitIntentIdFor, positionExitDecider } from './position-exit.decide';
export { evolvePositionExit, initialPositionExitState, type PositionExitState, type WorkingExit } from './position-exit.state';
export { exitRequestFor } from './exit-request';
