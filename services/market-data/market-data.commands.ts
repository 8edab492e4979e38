import { commandSubjects } from '@tollgate/contracts';
import type { TickRejectionReason } from '@tollgate/domain/market-data';

/** The market-data service's query (`commandSubjects.marketData.status`); it serves no commands. */
export const marketDataSubjects = commandSubjects.marketData;

export interface MarketDataStatus {
  /** `synthetic`, `csv:<file name>` or `broker:<name>`. */
  feed: string;
  /** A live (broker) feed runs at 1×. */
  speed: number | 'max';
  /** The market's time as the replay stands, the wall clock for a live feed (null before the first tick). */
  marketTime: string | null;
  state: 'starting' | 'running' | 'finished' | 'failed' | 'stopped';
  /** Why the feed stopped, when it failed. */
  failure?: string;
  published: { quotes: number; bars: number };
  accepted: number;
  rejected: Partial<Record<TickRejectionReason, number>>;
  barsRecorded: number;
  /** Stale keys: `*` for the whole feed, else symbols. */
  stale: string[];
  /** Wall-clock time the replay began and, once it has, ended. */
  startedAt: string | null;
  endedAt: string | null;
  /** Ticks at or before this time were skipped because an earlier run already replayed them. */
  resumedAfter: string | null;
}
