import type { BarRecorded, EventData, TickRejected } from '@tollgate/contracts';
import { barToMessage, type Bar } from './market-data.types';
import type { RawBar, RawQuote, TickRejection } from './tick-validator';

export type BarRecordedData = EventData<typeof BarRecorded>;
export type TickRejectedData = EventData<typeof TickRejected>;

/** `BarRecorded` data for a bar strategies or the ledger depend on. */
export function barRecordedData(bar: Bar, options: { source: string; interval: string | null }): BarRecordedData {
  return { ...barToMessage(bar), interval: options.interval, source: options.source };
}

/** `TickRejected` data; the tick is described as received, since it may be malformed. */
export function tickRejectedData(feed: string, kind: 'quote' | 'bar', raw: RawQuote | RawBar, rejection: TickRejection): TickRejectedData {
  const timestamp = raw.timestamp instanceof Date ? (Number.isFinite(raw.timestamp.getTime()) ? raw.timestamp.toISOString() : null) : String(raw.timestamp);
  return { feed, kind, symbol: String(raw.symbol), timestamp, reason: rejection.reason, detail: rejection.detail };
}
