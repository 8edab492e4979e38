import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { marketDataStreamId, regimeStreamId, type BarMessage, type EventInput, type RecordedEvent, type RegimeEvent } from '@tollgate/contracts';
import {
  createRegimeMonitor,
  DEFAULT_REGIME_MONITOR_CONFIG,
  stepRegimeMonitor,
  type RegimeMonitorConfig,
  type RegimeMonitorState,
} from '@tollgate/domain/structural-break';
import { WrongExpectedVersionError, type EventStore } from '@tollgate/event-store';
import { deterministicId } from '@tollgate/kernel';
import { InjectEventStore, InjectLogger } from '@tollgate/nest';
import { traceMetadata, type Logger } from '@tollgate/telemetry';
import type { RegimeStatusResponse, SymbolRegimeView } from './regime.commands';

export const REGIME_OPTIONS = Symbol('tollgate:regime-options');

export interface RegimeOptions {
  /** Symbols whose history is replayed at start; any other symbol is monitored from its first bar. */
  symbols: readonly string[];
  monitor: RegimeMonitorConfig;
}

export const DEFAULT_REGIME_OPTIONS: Omit<RegimeOptions, 'symbols'> = { monitor: DEFAULT_REGIME_MONITOR_CONFIG };

const ACTOR = 'system:regime';

interface SymbolMonitor {
  symbol: string;
  monitor: RegimeMonitorState;
  lastClose: number | null;
  lastBarAt: number;
  barsObserved: number;
  /** Version of `regime-<SYMBOL>` as this service last wrote or read it. */
  version: number;
  /** `<type>:<suspicionId>` of every regime event already stored, so a replay writes nothing twice. */
  stored: Set<string>;
  /** One bar at a time per symbol, in arrival order. */
  queue: Promise<void>;
}

/**
 * The regime service: for every symbol, the online structural-break detector (a projection of the bars'
 * log returns) and the regime decider, run as `stepRegimeMonitor`; what they decide is appended to
 * `regime-<SYMBOL>` (StructuralBreakSuspected, then StructuralBreakConfirmed or Dismissed). The proposals
 * service reads those events: a suspicion blocks new proposals for the symbol, a confirmation can close
 * positions opened before it.
 *
 * The detector has no stored state of its own: at start it is rebuilt by replaying the symbol's recorded
 * bars (`BarRecorded`), and any event the replay decides that the stream lacks (the service was down) is
 * appended then. Event ids derive from the symbol, the event type and the suspicion, so nothing is written
 * twice.
 */
@Injectable()
export class RegimeHandlers implements OnApplicationBootstrap {
  private readonly monitors = new Map<string, SymbolMonitor>();
  private pendingWork = 0;

  constructor(
    @InjectEventStore() private readonly store: EventStore,
    @InjectLogger() private readonly logger: Logger,
    @Inject(REGIME_OPTIONS) private readonly options: RegimeOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Through each symbol's queue: a live bar that arrives meanwhile waits for the replay (and is skipped if it replayed).
    await Promise.all(this.options.symbols.map((symbol) => this.enqueue(this.entry(symbol), () => this.rebuild(symbol))));
    this.logger.info({ symbols: [...this.monitors.keys()] }, 'regime monitors rebuilt from the recorded bars');
  }

  /** A bar from the market-data subjects. Bars of one symbol are handled one at a time, in order. */
  onBar(bar: BarMessage): Promise<void> {
    const entry = this.entry(bar.symbol);
    return this.enqueue(entry, () => this.observe(entry, bar)).catch((error: unknown) =>
      this.logger.error({ err: error, symbol: bar.symbol, at: bar.timestamp }, `regime monitor for ${bar.symbol} failed on the bar at ${bar.timestamp}`),
    );
  }

  /** True when no bar is waiting or being handled (a simulation settles on it). */
  get idle(): boolean {
    return this.pendingWork === 0;
  }

  status(symbol?: string): RegimeStatusResponse {
    const entries = [...this.monitors.values()].filter((entry) => symbol === undefined || entry.symbol === symbol);
    return { symbols: entries.sort((left, right) => left.symbol.localeCompare(right.symbol)).map(view) };
  }

  // ---- internals ------------------------------------------------------------------------------

  private enqueue(entry: SymbolMonitor, work: () => Promise<void>): Promise<void> {
    this.pendingWork += 1;
    const run = entry.queue.then(work);
    entry.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run.finally(() => {
      this.pendingWork -= 1;
    });
  }

  private entry(symbol: string): SymbolMonitor {
    let entry = this.monitors.get(symbol);
    if (!entry) {
      entry = { symbol, monitor: createRegimeMonitor(symbol), lastClose: null, lastBarAt: Number.NEGATIVE_INFINITY, barsObserved: 0, version: 0, stored: new Set(), queue: Promise.resolve() };
      this.monitors.set(symbol, entry);
    }
    return entry;
  }

  private async rebuild(symbol: string): Promise<void> {
    const entry = this.entry(symbol);
    const stored = await this.store.readStream(regimeStreamId(symbol));
    entry.version = stored.at(-1)?.streamVersion ?? 0;
    for (const event of stored) entry.stored.add(keyOf(event as unknown as RegimeEvent));
    const bars = (await this.store.readStream(marketDataStreamId(symbol)))
      .filter((event): event is RecordedEvent<'BarRecorded', BarMessage> => event.type === 'BarRecorded')
      .map((event) => event.data)
      .sort((left, right) => Date.parse(left.timestamp) - Date.parse(right.timestamp));
    for (const bar of bars) await this.observe(entry, bar);
  }

  private async observe(entry: SymbolMonitor, bar: BarMessage): Promise<void> {
    const at = Date.parse(bar.timestamp);
    if (!(at > entry.lastBarAt)) return;
    const close = Number(bar.close);
    const previousClose = entry.lastClose;
    entry.lastBarAt = at;
    entry.lastClose = close;
    if (previousClose === null || !(previousClose > 0) || !(close > 0)) return;
    entry.barsObserved += 1;
    const stepped = stepRegimeMonitor(entry.monitor, { at: bar.timestamp, value: Math.log(close / previousClose) }, this.options.monitor);
    entry.monitor = stepped.state;
    const unseen = stepped.events.filter((event) => !entry.stored.has(keyOf(event)));
    if (unseen.length > 0) await this.record(entry, unseen, bar.timestamp);
  }

  private async record(entry: SymbolMonitor, events: RegimeEvent[], at: string): Promise<void> {
    const streamId = regimeStreamId(entry.symbol);
    const inputs: EventInput[] = events.map((event) => ({
      id: deterministicId('tollgate.regime-event', entry.symbol, event.type, event.data.suspicionId),
      type: event.type,
      data: event.data,
      metadata: { correlationId: event.data.suspicionId, causationId: null, actor: ACTOR, ...traceMetadata() },
      occurredAt: at,
    }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await this.store.append(streamId, entry.version === 0 ? 'no-stream' : entry.version, inputs);
        entry.version = result.lastVersion;
        break;
      } catch (error) {
        // Another writer (a second regime instance) moved the stream: take its version and try once more;
        // the event ids make a duplicate a no-op.
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 2) throw error;
        entry.version = (await this.store.readStream(streamId)).at(-1)?.streamVersion ?? 0;
      }
    }
    for (const event of events) entry.stored.add(keyOf(event));
    for (const event of events) {
      this.logger.info({ symbol: entry.symbol, type: event.type, suspicionId: event.data.suspicionId }, `${event.type} for ${entry.symbol} at ${at}`);
    }
  }
}

function keyOf(event: Pick<RegimeEvent, 'type' | 'data'>): string {
  return `${event.type}:${event.data.suspicionId}`;
}

function view(entry: SymbolMonitor): SymbolRegimeView {
  const regime = entry.monitor.regime;
  return {
    symbol: entry.symbol,
    status: regime.status,
    suspicion:
      regime.status === 'suspected'
        ? {
            suspicionId: regime.suspicion.suspicionId,
            series: regime.suspicion.series,
            direction: regime.suspicion.direction,
            statistic: regime.suspicion.statistic,
            threshold: regime.suspicion.threshold,
            detectedAt: regime.suspicion.detectedAt,
            barsSince: entry.monitor.barsSinceSuspicion,
          }
        : null,
    confirmed: regime.confirmedCount,
    dismissed: regime.dismissedCount,
    lastConfirmedBreak: regime.lastConfirmedBreak
      ? { suspicionId: regime.lastConfirmedBreak.suspicionId, series: regime.lastConfirmedBreak.series, breakAt: regime.lastConfirmedBreak.breakAt, confirmedAt: regime.lastConfirmedBreak.resolvedAt }
      : null,
    barsObserved: entry.barsObserved,
    detector: entry.monitor.detector.phase,
    lastBarAt: Number.isFinite(entry.lastBarAt) ? new Date(entry.lastBarAt).toISOString() : null,
  };
}
