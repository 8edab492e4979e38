import { DomainError } from '@tollgate/kernel';
import type { BreakCommand, OpenBreak } from './break.commands';
import { decideBreak } from './break.decide';
import { evolveBreak, initialBreakState, type BreakState } from './break.state';

const breakId = '0b8f7a52-3d1c-4a8e-9d4b-1b0f8a2d7c11';
const open: OpenBreak = {
  type: 'OpenBreak',
  breakId,
  reconciliationId: '6f1c1a52-3d1c-4a8e-9d4b-1b0f8a2d7c11',
  accountId: 'acct-1',
  broker: 'alpaca',
  class: 'quantity_mismatch',
  subject: { kind: 'position', key: 'AAPL' },
  symbol: 'AAPL',
  field: 'quantity',
  ours: '314',
  brokerValue: '83',
  policy: 'halt',
  now: '2026-01-02T15:00:00.000Z',
};
const acknowledge: BreakCommand = { type: 'AcknowledgeBreak', breakId, by: 'user:ops', note: 'looking at it', now: '2026-01-02T15:01:00.000Z' };
const resolveManually: BreakCommand = {
  type: 'ResolveBreak',
  breakId,
  resolution: 'manual',
  reason: 'position closed by hand at the broker; ledger corrected by an adjustment',
  adjustmentEventId: null,
  by: 'user:ops',
  now: '2026-01-02T15:05:00.000Z',
};

function given(...commands: BreakCommand[]): BreakState {
  return commands.reduce((state, command) => decideBreak(command, state).reduce(evolveBreak, state), initialBreakState);
}

describe('reconciliation break life cycle', () => {
  it('opens, is acknowledged, then resolved with how', () => {
    const state = given(open, acknowledge, resolveManually);
    expect(state.status).toBe('resolved');
    expect(state.status === 'resolved' && state.resolved).toMatchObject({ resolution: 'manual', resolvedBy: 'user:ops' });
    expect(state.status === 'resolved' && state.acknowledged?.acknowledgedBy).toBe('user:ops');
  });

  it('can be resolved without an acknowledgement', () => {
    expect(given(open, resolveManually).status).toBe('resolved');
  });

  it('opening, acknowledging or resolving twice decides nothing the second time', () => {
    expect(decideBreak(open, given(open))).toEqual([]);
    expect(decideBreak(acknowledge, given(open, acknowledge))).toEqual([]);
    expect(decideBreak(resolveManually, given(open, resolveManually))).toEqual([]);
  });

  it('gives each step an id derived from the break, so a retried command dedupes', () => {
    const [first] = decideBreak(acknowledge, given(open));
    const [again] = decideBreak(acknowledge, given(open));
    expect(first?.id).toBe(again?.id);
  });

  it('refuses to acknowledge or resolve a break that was never opened', () => {
    expect(() => decideBreak(acknowledge, initialBreakState)).toThrow(DomainError);
    expect(() => decideBreak(resolveManually, initialBreakState)).toThrow('BREAK_NOT_FOUND');
  });

  it('refuses to acknowledge a resolved break', () => {
    expect(() => decideBreak(acknowledge, given(open, resolveManually))).toThrow('BREAK_ALREADY_RESOLVED');
  });

  it('requires a reason, and an adjustment event when the broker truth was adopted', () => {
    expect(() => decideBreak({ ...resolveManually, reason: ' ' } as BreakCommand, given(open))).toThrow('RESOLUTION_REASON_REQUIRED');
    expect(() => decideBreak({ ...resolveManually, resolution: 'adopted_broker_truth' } as BreakCommand, given(open))).toThrow('ADJUSTMENT_REQUIRED');
  });
});
