import { streamName } from '@tollgate/contracts';

/**
 * Where the risk services write. A trading-state scope's stream holds its state changes *and* its
 * breakers' trips, resets and high-water marks, so a trip and the state change it causes are one
 * append under one expected version (never a trip without its halt).
 */
export const riskStreams = {
  limits: streamName('risklimits', 'global'),
  killSwitch: streamName('killswitch', 'global'),
  tradingState: (scope: string): string => streamName('tradingstate', scope),
  emergencyStop: (stopId: string): string => streamName('emergencystop', stopId),
  override: (overrideId: string): string => streamName('override', overrideId),
  autoMode: (accountId: string): string => streamName('automode', accountId),
  strategy: (strategy: string): string => streamName('strategyrisk', strategy),
  /** Alerts raised by denials (throttles, stale or crossed data, a failing check). */
  alerts: (accountId: string): string => streamName('riskalerts', accountId),
  drills: (drill: string): string => streamName('drill', drill),
  /** The position-exit aggregate of one position flattened by one emergency stop. */
  positionExit: (positionId: string): string => streamName('positionexit', positionId),
} as const;

/** A position as an emergency stop names it: one per account, strategy and symbol, per stop. */
export function emergencyPositionId(stopId: string, position: { accountId: string; strategy: string | null; symbol: string }): string {
  return `${position.accountId}:${position.strategy ?? 'manual'}:${position.symbol}:${stopId}`;
}
