import { createEventRegistry } from '@tollgate/contracts';
import { nyseCalendar } from '../calendar';
import { StaleFeedDetector } from './stale-feed-detector';

const at = (iso: string) => new Date(iso);
const detector = (startedAt = at('2024-07-08T13:00:00Z')) =>
  new StaleFeedDetector({ feed: 'synthetic', calendar: nyseCalendar(), staleAfterSeconds: 60, symbols: ['AAPL', 'MSFT'], startedAt });

describe('stale feed detector', () => {
  it('raises MarketDataStale for a symbol silent for the threshold during market hours, then MarketDataResumed', () => {
    const watcher = detector();
    watcher.recordTick('AAPL', at('2024-07-08T13:30:10Z'));
    watcher.recordTick('MSFT', at('2024-07-08T13:30:10Z'));
    watcher.recordTick('MSFT', at('2024-07-08T13:31:00Z'));
    expect(watcher.check(at('2024-07-08T13:31:05Z'))).toEqual([]);

    const stale = watcher.check(at('2024-07-08T13:31:10Z'));
    expect(stale).toEqual([
      {
        type: 'MarketDataStale',
        occurredAt: '2024-07-08T13:31:10.000Z',
        data: {
          feed: 'synthetic',
          symbol: 'AAPL',
          lastTickAt: '2024-07-08T13:30:10.000Z',
          detectedAt: '2024-07-08T13:31:10.000Z',
          staleAfterSeconds: 60,
          session: '2024-07-08',
        },
      },
    ]);
    // Raised once, not on every check.
    expect(watcher.check(at('2024-07-08T13:31:20Z'))).toEqual([]);
    expect(watcher.staleKeys()).toEqual(['AAPL']);

    const resumed = watcher.recordTick('AAPL', at('2024-07-08T13:32:00Z'));
    expect(resumed).toEqual([
      {
        type: 'MarketDataResumed',
        occurredAt: '2024-07-08T13:32:00.000Z',
        data: { feed: 'synthetic', symbol: 'AAPL', staleSince: '2024-07-08T13:31:10.000Z', resumedAt: '2024-07-08T13:32:00.000Z' },
      },
    ]);
    expect(watcher.staleKeys()).toEqual([]);
  });

  it('flags the whole feed (symbol null) when nothing arrives', () => {
    const watcher = detector();
    const changes = watcher.check(at('2024-07-08T13:31:00Z'));
    expect(changes.map((change) => change.data.symbol)).toEqual([null, 'AAPL', 'MSFT']);
    expect(changes[0]).toMatchObject({ data: { lastTickAt: null } });
  });

  it('never counts nights, weekends or holidays as silence', () => {
    const watcher = detector(at('2024-07-03T12:00:00Z'));
    watcher.recordTick('AAPL', at('2024-07-03T16:59:59Z'));
    watcher.recordTick('MSFT', at('2024-07-03T16:59:59Z'));
    // After the 13:00 early close, through the July 4 holiday, into the next morning.
    expect(watcher.check(at('2024-07-03T20:00:00Z'))).toEqual([]);
    expect(watcher.check(at('2024-07-04T15:00:00Z'))).toEqual([]);
    expect(watcher.check(at('2024-07-05T13:30:30Z'))).toEqual([]);
    // A minute into the next session without a tick is stale.
    expect(watcher.check(at('2024-07-05T13:31:00Z'))).toHaveLength(3);
  });

  it('does not call a feed stale for silence before it started watching', () => {
    const watcher = detector(at('2024-07-08T15:00:00Z'));
    expect(watcher.check(at('2024-07-08T15:00:30Z'))).toEqual([]);
    expect(watcher.check(at('2024-07-08T15:01:00Z'))).toHaveLength(3);
  });

  it('produces event data the registry accepts', () => {
    const registry = createEventRegistry();
    const watcher = detector();
    for (const change of [...watcher.check(at('2024-07-08T13:40:00Z')), ...watcher.recordTick('AAPL', at('2024-07-08T13:41:00Z'))]) {
      expect(() => registry.validate(change.type, undefined, change.data)).not.toThrow();
    }
  });

  it('refuses a threshold that is not a positive whole number of seconds', () => {
    expect(() => new StaleFeedDetector({ feed: 'x', calendar: nyseCalendar(), staleAfterSeconds: 0.5, startedAt: new Date() })).toThrow(/staleAfterSeconds/);
  });
});
