export { isPerson, requirePersonWithRole, requireReason, RISK_ROLES } from './authority';
export { parseRiskScope, scopesOfOrder, orderInScope, type ScopedOrder } from './scope';
export {
  parseRiskLimits,
  parseRiskLimitsText,
  compileRiskLimits,
  limitsInForceAt,
  limitsChangeInForceAt,
  type CompiledRiskLimits,
  type CompiledAccountLimits,
  type CompiledInstrumentLimits,
  type CompiledCollar,
} from './limits/limits';
export * from './limits/risk-limits.commands';
export * from './limits/risk-limits.state';
export * from './limits/risk-limits.decide';
export { PreTradeRiskEngine, type RiskDecision, type OverrideWaiver } from './pre-trade/engine';
export { LiveRiskBook, TRADING_STATE_SOURCES, type LiveRiskBookOptions, type TradingStateSource } from './pre-trade/live-book';
export {
  RiskSnapshot,
  createRiskSnapshot,
  type RiskView,
  type WorkingOrder,
  type ReferencePrice,
  worstCase,
  type RiskSnapshotInput,
  type ReferencePriceInput,
  type PositionInput,
  type WorkingOrderInput,
  type InstrumentInfoInput,
  type TradingStateView,
  type SymbolBook,
  type WorstCase,
  type ExposureTotals,
} from './pre-trade/snapshot';
export { RiskActivityLog, ACTIVITY_RETENTION_MS, type AcceptedOrderFacts } from './pre-trade/activity-log';
export type { PreTradeRequest, OrderCheckRequest, CancelCheckRequest, OrderOrigin } from './pre-trade/request';
export * from './strategy-execution';
