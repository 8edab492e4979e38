import fc from 'fast-check';
import type { BrokerFill } from '@tollgate/contracts';
import { createEventRegistry } from '@tollgate/contracts';
import { DomainError } from '@tollgate/kernel';
import { adoptFills, brokerFillEventId } from './adopt-fills';
import { readinessTradingState, tradingReadiness } from './readiness';
import { defaultRetryPolicy, nextRetry, validateRetryPolicy } from './retry';
import type { SyncCommand } from './sync.commands';
import { decideSync } from './sync.decide';
import { planOrderLookups, planSync } from './sync.plan';
import { evolveSync, initialSyncState, type SyncState } from './sync.state';
import { observed, unknown } from './sync.types';
import { resolveUnknownSubmit } from './unknown-submit';

const base = { accountId: 'acct-1', broker: 'alpaca' };
const syncId = '9d0c1a52-3d1c-4a8e-9d4b-1b0f8a2d7c11';

function fill(index: number, clientOrderId = `ours-${index}`): BrokerFill {
  return {
    fillId: `f-${index}`,
    brokerOrderId: `b-${index}`,
    clientOrderId,
    symbol: 'AAPL',
    side: 'buy',
    quantity: '1',
    price: '100.5',
    fee: '0',
    filledAt: `2026-01-02T15:00:${String(index % 60).padStart(2, '0')}.000Z`,
  };
}

function given(...commands: SyncCommand[]): SyncState {
  return commands.reduce((state, command) => decideSync(command, state).reduce(evolveSync, state), initialSyncState);
}

const start: SyncCommand = { ...base, type: 'StartSync', syncId, trigger: 'startup', now: '2026-01-02T15:00:00.000Z' };

describe('sync', () => {
  it('adopts the fills and moves the cursor in one decision', () => {
    const state = given(start);
    const events = decideSync(
      {
        ...base,
        type: 'CompleteSync',
        syncId,
        fillCursorAfter: 'f-2',
        fillsFetched: 2,
        fillsToAdopt: [fill(1), fill(2)],
        foreignFills: 0,
        openOrders: 0,
        positions: 1,
        unknownSubmitsResolved: 0,
        now: '2026-01-02T15:00:01.000Z',
      },
      state,
    );
    expect(events.map((event) => event.type)).toEqual(['BrokerFillAdopted', 'BrokerFillAdopted', 'SyncCompleted']);
    const after = events.reduce(evolveSync, state);
    expect(after).toMatchObject({ status: 'idle', fillCursor: 'f-2', syncRequired: false, consecutiveFailures: 0 });
    const registry = createEventRegistry();
    for (const event of events) expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
  });

  it('counts failed syncs as a readiness figure and keeps the cursor', () => {
    const state = given(start, { ...base, type: 'FailSync', syncId, query: 'positions', attempts: 5, lastError: 'timed out', now: '2026-01-02T15:00:09.000Z' });
    expect(state).toMatchObject({ status: 'idle', fillCursor: null, consecutiveFailures: 1, totalFailures: 1 });
  });

  it('refuses to complete a sync that is not running', () => {
    expect(() =>
      decideSync({ ...base, type: 'FailSync', syncId, query: 'fills', attempts: 1, lastError: 'x', now: '2026-01-02T15:00:00.000Z' }, initialSyncState),
    ).toThrow(DomainError);
  });

  it('requires a new sync after a reconnect, even if one was running across the disconnect', () => {
    const state = given(
      start,
      { ...base, type: 'RecordDisconnect', reason: 'socket closed', now: '2026-01-02T15:00:02.000Z' },
      { ...base, type: 'CompleteSync', syncId, fillCursorAfter: null, fillsFetched: 0, fillsToAdopt: [], foreignFills: 0, openOrders: 0, positions: 0, unknownSubmitsResolved: 0, now: '2026-01-02T15:00:03.000Z' },
      { ...base, type: 'RecordReconnect', now: '2026-01-02T15:00:04.000Z' },
    );
    expect(state.syncRequired).toBe(true);
    expect(state.connection).toBe('connected');
  });

  it('records a disconnect once however often it is reported', () => {
    const down = given({ ...base, type: 'RecordDisconnect', reason: 'x', now: '2026-01-02T15:00:02.000Z' });
    expect(decideSync({ ...base, type: 'RecordDisconnect', reason: 'x', now: '2026-01-02T15:00:03.000Z' }, down)).toEqual([]);
  });
});

describe('adoptFills', () => {
  it('gives a fill the same event id however often it is adopted', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 60 }), (indexes) => {
        const fills = indexes.map((index) => fill(index));
        const once = adoptFills({ ...base, fills, isOurClientOrderId: () => true, isRecorded: () => false });
        const ids = once.adopted.map((event) => event.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual([...new Set(indexes)].map((index) => brokerFillEventId(base.accountId, base.broker, `f-${index}`)));
        const recorded = new Set(once.adopted.map((event) => event.data.fillId));
        const again = adoptFills({ ...base, fills, isOurClientOrderId: () => true, isRecorded: (id) => recorded.has(id) });
        expect(again.adopted).toEqual([]);
      }),
    );
  });

  it('sets fills of foreign orders aside instead of adopting them', () => {
    const result = adoptFills({ ...base, fills: [fill(1), fill(2, 'manual-2')], isOurClientOrderId: (id) => id.startsWith('ours-'), isRecorded: () => false });
    expect(result.adopted.map((event) => event.data.fillId)).toEqual(['f-1']);
    expect(result.foreign.map((item) => item.fillId)).toEqual(['f-2']);
  });
});

describe('retry policy', () => {
  it('backs off exponentially within the cap and gives up after the configured attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempts, sample) => {
        const decision = nextRetry(defaultRetryPolicy, attempts, sample);
        if (attempts >= defaultRetryPolicy.maxAttempts) expect(decision.retry).toBe(false);
        else {
          expect(decision.retry).toBe(true);
          if (decision.retry) {
            expect(decision.delayMs).toBeLessThanOrEqual(defaultRetryPolicy.maxDelayMs);
            expect(decision.delayMs).toBeGreaterThanOrEqual(Math.floor(defaultRetryPolicy.initialDelayMs * (1 - defaultRetryPolicy.jitter)));
          }
        }
      }),
    );
    const noJitter = { ...defaultRetryPolicy, jitter: 0 };
    expect([1, 2, 3, 4].map((attempt) => nextRetry(noJitter, attempt, 0.5))).toEqual([
      { retry: true, delayMs: 250 },
      { retry: true, delayMs: 500 },
      { retry: true, delayMs: 1000 },
      { retry: true, delayMs: 2000 },
    ]);
  });

  it('names each bad setting', () => {
    expect(validateRetryPolicy({ ...defaultRetryPolicy, maxAttempts: 0, jitter: 1 })).toEqual([
      'maxAttempts must be a whole number ≥ 1, was 0',
      'jitter must be in [0, 1), was 1',
    ]);
  });
});

describe('sync plan', () => {
  it('asks the same questions for every trigger, fills first, and looks unknown submits up', () => {
    const plan = planSync({ trigger: 'reconnect', fillCursor: 'f-9', unknownSubmits: ['ours-1', 'ours-1'] });
    expect(plan).toEqual([
      { query: 'fills', cursor: 'f-9' },
      { query: 'open_orders' },
      { query: 'positions' },
      { query: 'account' },
      { query: 'order_lookup', clientOrderId: 'ours-1', why: 'unknown_submit' },
    ]);
  });

  it('looks up orders we think are working that the broker did not list, once each', () => {
    const lookups = planOrderLookups({
      ourOpenClientOrderIds: ['ours-1', 'ours-2', 'ours-3'],
      brokerOpenOrders: [{ clientOrderId: 'ours-2' } as never],
      foreignFills: [fill(7, 'manual-7'), fill(8, 'manual-7')],
      alreadyLookedUp: new Set(['ours-3']),
    });
    expect(lookups).toEqual([
      { query: 'order_lookup', clientOrderId: 'ours-1', why: 'missing_from_open_orders' },
      { query: 'order_lookup', clientOrderId: 'manual-7', why: 'foreign_fill' },
    ]);
  });
});

describe('unknown submit', () => {
  const submit = { clientOrderId: 'ours-1', sentAt: '2026-01-02T15:00:00.000Z', lookups: 0 };
  const input = { submit, now: '2026-01-02T15:00:10.000Z', visibilityGraceMs: 5000, retry: defaultRetryPolicy, sample: 0.5 };

  it('adopts the order the broker has and never sends it again', () => {
    const order = { clientOrderId: 'ours-1', status: 'filled' } as never;
    expect(resolveUnknownSubmit({ ...input, lookup: observed(order) })).toEqual({ outcome: 'accepted', order });
  });

  it('resends with the same client order id only after the broker said it has none, past the grace', () => {
    expect(resolveUnknownSubmit({ ...input, lookup: observed(null) })).toEqual({ outcome: 'not_received', action: 'resend_same_client_order_id' });
    expect(resolveUnknownSubmit({ ...input, now: '2026-01-02T15:00:01.000Z', lookup: observed(null) })).toMatchObject({ outcome: 'still_unknown' });
  });

  it('never treats a failed lookup as not received', () => {
    expect(resolveUnknownSubmit({ ...input, lookup: unknown('timed out') })).toMatchObject({ outcome: 'still_unknown', action: 'look_up_again' });
    expect(resolveUnknownSubmit({ ...input, submit: { ...submit, lookups: 4 }, lookup: unknown('timed out') })).toMatchObject({ outcome: 'gave_up' });
  });
});

describe('trading readiness', () => {
  const passedRun = { latest: { status: 'passed' as const, halt: false, checkedAt: '2026-01-02T15:00:05.000Z' }, passedSinceStartup: true };

  it('is not ready before the start-up sync and reconciliation', () => {
    const readiness = tradingReadiness(initialSyncState, { latest: null, passedSinceStartup: false });
    expect(readiness.ready).toBe(false);
    expect(readiness.reasons).toContain('the start-up sync has not completed');
  });

  it('is ready after a completed sync and a passed reconciliation, and not after a disconnect', () => {
    const synced = given(start, { ...base, type: 'CompleteSync', syncId, fillCursorAfter: null, fillsFetched: 0, fillsToAdopt: [], foreignFills: 0, openOrders: 0, positions: 0, unknownSubmitsResolved: 0, now: '2026-01-02T15:00:01.000Z' });
    expect(tradingReadiness(synced, passedRun)).toEqual({ ready: true, reasons: [] });
    const down = evolveSync(synced, decideSync({ ...base, type: 'RecordDisconnect', reason: 'x', now: '2026-01-02T15:00:06.000Z' }, synced)[0]!);
    expect(tradingReadiness(down, passedRun).ready).toBe(false);
    expect(tradingReadiness(synced, { ...passedRun, latest: { status: 'breaks', halt: true, checkedAt: '2026-01-02T15:00:05.000Z' } }).ready).toBe(false);
  });
});

describe('readiness as a trading state', () => {
  it('halts an account that is not ready, or was never assessed where reconciliation must run', () => {
    expect(readinessTradingState({ ready: true, reasons: [] }, 'halted')).toBeNull();
    expect(readinessTradingState({ ready: false, reasons: ['the broker connection is down'] }, 'ignore')).toEqual({
      status: 'HALTED',
      cause: 'reconciliation:not_ready',
      reason: 'the broker connection is down',
    });
    expect(readinessTradingState(null, 'halted')).toMatchObject({ status: 'HALTED' });
    expect(readinessTradingState(null, 'ignore')).toBeNull();
  });
});
