import fc from 'fast-check';
import { createEventRegistry, denial, type ProposalCreatedData, type ProposalEvent } from '@tollgate/contracts';
import { dec, DomainError, fold } from '@tollgate/kernel';
import { initialRegimeState, type RegimeState } from '../structural-break/regime.state';
import type { CreateProposal, ProposalCommand, ProposalSide } from './proposal.commands';
import { createProposalDecider, type ProposalPolicy } from './proposal.decide';
import { closeProposal, evolveOpenProposals, findDuplicateProposal, type OpenProposalView } from './proposal.duplicates';
import { proposalIdFor, proposalOrderIntentIdFor } from './proposal.ids';
import type { ProposalState } from './proposal.state';

const registry = createEventRegistry();
const at = '2026-03-02T15:00:00.000Z';
const expiresAt = '2026-03-02T15:05:00.000Z';
const proposalId = proposalIdFor('trend', 'AAPL', 'buy', at);
const stable: RegimeState = initialRegimeState();
const suspected: RegimeState = {
  ...initialRegimeState(),
  status: 'suspected',
  suspicion: {
    symbol: 'AAPL',
    suspicionId: '0f6d1c2e-8a0b-8c6f-9d2e-3b4a5c6d7e8f',
    series: 'volatility',
    direction: 'up',
    method: 'cusum',
    statistic: '25.2',
    threshold: '25',
    detectedAt: at,
    confirmation: { afterBars: 50, lookbackBars: 200, method: 'sup-f', variance: 'iid', alpha: '0.01', volatilityModel: 'garch', volatilityModelBars: 1000 },
  },
};

function createCommand(overrides: Partial<CreateProposal> = {}): CreateProposal {
  return {
    type: 'CreateProposal',
    proposalId,
    strategy: 'trend',
    strategyVersion: 'sha256:5f2c',
    symbol: 'AAPL',
    side: 'buy',
    quantity: dec('100'),
    entryType: 'limit',
    entryPrice: dec('187.25'),
    stopPrice: dec('183.10'),
    targetPrice: dec('195.55'),
    rationale: { fastAverage: '186.90', slowAverage: '185.12', atr: '2.075' },
    expiresAt,
    actor: 'system:proposals',
    at,
    openProposals: [],
    symbolRegime: stable,
    ...overrides,
  };
}

const created: ProposalEvent = { type: 'ProposalCreated', data: registry.validate('ProposalCreated', 1, decide(createCommand(), { status: 'none' })[0]!.data).data as ProposalCreatedData };
const approvedByAlice: ProposalEvent = { type: 'ProposalApproved', data: { proposalId, actor: 'user:alice', reason: null, approvedAt: '2026-03-02T15:01:00.000Z' } };

function decide(command: ProposalCommand, state: ProposalState, policy?: ProposalPolicy): ProposalEvent[] {
  return createProposalDecider(policy).decide(command, state);
}

/** given events → when command → then events (or then throws). */
function given(...history: ProposalEvent[]) {
  return {
    when(command: ProposalCommand, policy?: ProposalPolicy) {
      const decider = createProposalDecider(policy);
      const state = fold(decider, history);
      const act = () => decider.decide(command, state);
      return {
        then(expected: Array<{ type: ProposalEvent['type']; data?: Record<string, unknown> }>): ProposalState {
          const events = act();
          expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
          events.forEach((event, index) => {
            if (expected[index]?.data) expect(event.data).toMatchObject(expected[index].data);
            expect(() => registry.validate(event.type, undefined, event.data)).not.toThrow();
          });
          return events.reduce(decider.evolve, state);
        },
        thenNothing(): void {
          expect(act()).toEqual([]);
        },
        thenThrows(code: string, message?: RegExp): void {
          expect(act).toThrow(DomainError);
          expect(act).toThrow(code);
          if (message) expect(act).toThrow(message);
        },
      };
    },
  };
}

describe('proposal decider', () => {
  it('creates a proposal with its prices as decimal strings, its rationale, strategy version and expiry', () => {
    given()
      .when(createCommand())
      .then([
        {
          type: 'ProposalCreated',
          data: {
            side: 'buy',
            quantity: '100',
            entryType: 'limit',
            entryPrice: '187.25',
            stopPrice: '183.1',
            targetPrice: '195.55',
            rationale: { fastAverage: '186.90', slowAverage: '185.12', atr: '2.075' },
            strategy: 'trend',
            strategyVersion: 'sha256:5f2c',
            expiresAt,
            actor: 'system:proposals',
          },
        },
      ]);
  });

  it('does not create a duplicate of an open proposal for the same strategy, symbol and side', () => {
    const open: OpenProposalView[] = [{ proposalId: 'p-1', strategy: 'trend', symbol: 'AAPL', side: 'buy', status: 'pending' }];
    given().when(createCommand({ openProposals: open })).thenThrows('PROPOSAL_DUPLICATE', /pending proposal p-1/);
  });

  it('creates a proposal when only another strategy, symbol or side is open', () => {
    const open: OpenProposalView[] = [
      { proposalId: 'p-1', strategy: 'mean-reversion', symbol: 'AAPL', side: 'buy', status: 'pending' },
      { proposalId: 'p-2', strategy: 'trend', symbol: 'MSFT', side: 'buy', status: 'converted' },
      { proposalId: 'p-3', strategy: 'trend', symbol: 'AAPL', side: 'sell_short', status: 'approved' },
    ];
    given().when(createCommand({ openProposals: open })).then([{ type: 'ProposalCreated' }]);
  });

  it('blocks a new proposal while a structural break is suspected for the symbol', () => {
    given().when(createCommand({ symbolRegime: suspected })).thenThrows('PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK');
  });

  it('refuses a stop on the wrong side of the entry, naming the fields', () => {
    given().when(createCommand({ stopPrice: dec('190') })).thenThrows('PROPOSAL_INVALID', /stopPrice 190 must be below entryPrice 187.25/);
    given()
      .when(createCommand({ side: 'sell_short', stopPrice: dec('190'), targetPrice: dec('195') }))
      .thenThrows('PROPOSAL_INVALID', /targetPrice 195 must be below entryPrice/);
  });

  it('refuses a proposal that has already expired when created', () => {
    given().when(createCommand({ expiresAt: at })).thenThrows('PROPOSAL_INVALID', /expiresAt/);
  });

  it('records who approved a proposal, and why', () => {
    const state = given(created)
      .when({ type: 'ApproveProposal', proposalId, actor: 'user:alice', reason: 'trend confirmed on the daily', at: '2026-03-02T15:01:00.000Z', symbolRegime: stable })
      .then([{ type: 'ProposalApproved', data: { actor: 'user:alice', reason: 'trend confirmed on the daily' } }]);
    expect(state.status).toBe('approved');
  });

  it('auto-approves only when the auto-mode rails allow it, and says actor: auto', () => {
    const allow: ProposalPolicy = { autoModeAllows: (proposal) => proposal.symbol === 'AAPL' };
    given(created)
      .when({ type: 'ApproveProposal', proposalId, actor: 'auto', reason: null, at: '2026-03-02T15:00:01.000Z', symbolRegime: stable }, allow)
      .then([{ type: 'ProposalApproved', data: { actor: 'auto' } }]);
  });

  it('refuses auto-approval the rails deny, with their reasons', () => {
    const deny: ProposalPolicy = { autoModeAllows: () => ({ allowed: false, reasons: [denial('AUTO_MODE_OFF', { mode: 'LIVE' })] }) };
    given(created)
      .when({ type: 'ApproveProposal', proposalId, actor: 'auto', reason: null, at: '2026-03-02T15:00:01.000Z', symbolRegime: stable }, deny)
      .thenThrows('AUTO_APPROVAL_NOT_ALLOWED', /AUTO_MODE_OFF: mode=LIVE/);
    given(created).when({ type: 'ApproveProposal', proposalId, actor: 'auto', reason: null, at: '2026-03-02T15:00:01.000Z', symbolRegime: stable }).thenThrows('AUTO_APPROVAL_NOT_ALLOWED');
  });

  it('refuses approval by anyone but a named user or auto-mode', () => {
    given(created)
      .when({ type: 'ApproveProposal', proposalId, actor: 'system:proposals', reason: null, at: '2026-03-02T15:01:00.000Z', symbolRegime: stable })
      .thenThrows('PROPOSAL_APPROVER_INVALID');
  });

  it('refuses approval at or after the expiry, and while a break is suspected', () => {
    given(created).when({ type: 'ApproveProposal', proposalId, actor: 'user:alice', reason: null, at: expiresAt, symbolRegime: stable }).thenThrows('PROPOSAL_EXPIRED');
    given(created)
      .when({ type: 'ApproveProposal', proposalId, actor: 'user:alice', reason: null, at: '2026-03-02T15:01:00.000Z', symbolRegime: suspected })
      .thenThrows('PROPOSAL_BLOCKED_BY_STRUCTURAL_BREAK');
  });

  it('records a rejection with the person and the optional reason', () => {
    given(created)
      .when({ type: 'RejectProposal', proposalId, actor: 'user:bob', reason: null, at: '2026-03-02T15:02:00.000Z' })
      .then([{ type: 'ProposalRejected', data: { actor: 'user:bob', reason: null } }]);
  });

  it('expires an unanswered proposal at its expiry, not before', () => {
    given(created).when({ type: 'ExpireProposal', proposalId, at: '2026-03-02T15:04:59.999Z' }).thenThrows('PROPOSAL_NOT_YET_EXPIRED');
    given(created)
      .when({ type: 'ExpireProposal', proposalId, at: expiresAt })
      .then([{ type: 'ProposalExpired', data: { actor: 'system:proposals', expiresAt, expiredAt: expiresAt } }]);
  });

  it('cannot approve, reject or expire a proposal twice', () => {
    const rejected: ProposalEvent = { type: 'ProposalRejected', data: { proposalId, actor: 'user:bob', reason: null, rejectedAt: at } };
    given(created, rejected)
      .when({ type: 'ApproveProposal', proposalId, actor: 'user:alice', reason: null, at: '2026-03-02T15:01:00.000Z', symbolRegime: stable })
      .thenThrows('PROPOSAL_NOT_PENDING');
    given(created, approvedByAlice).when({ type: 'ExpireProposal', proposalId, at: expiresAt }).thenThrows('PROPOSAL_NOT_PENDING');
  });

  it('converts an approved proposal into an order intent whose id is derived from the proposal', () => {
    const state = given(created, approvedByAlice)
      .when({ type: 'ConvertProposal', proposalId, actor: 'system:execution', at: '2026-03-02T15:01:00.100Z' })
      .then([
        {
          type: 'ProposalConverted',
          data: { intentId: proposalOrderIntentIdFor(proposalId), intentKind: 'proposal', orderType: 'limit', limitPrice: '187.25', quantity: '100', side: 'buy' },
        },
      ]);
    expect(state).toMatchObject({ status: 'converted', approvedBy: 'user:alice' });
  });

  it('converts once: a retried conversion adds nothing', () => {
    const converted = decide({ type: 'ConvertProposal', proposalId, actor: 'system:execution', at }, fold(createProposalDecider(), [created, approvedByAlice]));
    given(created, approvedByAlice, ...converted).when({ type: 'ConvertProposal', proposalId, actor: 'system:execution', at }).thenNothing();
  });

  it('does not convert a proposal nobody approved', () => {
    given(created).when({ type: 'ConvertProposal', proposalId, actor: 'system:execution', at }).thenThrows('PROPOSAL_NOT_APPROVED');
  });
});

describe('duplicate rule', () => {
  const keys = fc.record({
    strategy: fc.constantFrom('trend', 'mean-reversion'),
    symbol: fc.constantFrom('AAPL', 'MSFT'),
    side: fc.constantFrom<ProposalSide>('buy', 'sell_short'),
  });
  const step = fc.oneof(
    keys.map((key) => ({ kind: 'create' as const, key })),
    fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const, 'expire' as const, 'convert' as const, 'close' as const), pick: fc.nat(20) }),
  );

  it('never holds two open proposals for the same strategy, symbol and side, whatever happens to them', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const decider = createProposalDecider({ autoModeAllows: () => true });
        let open: OpenProposalView[] = [];
        const streams = new Map<string, ProposalEvent[]>();
        steps.forEach((action, index) => {
          const time = new Date(Date.parse(at) + index * 1000).toISOString();
          if (action.kind === 'create') {
            const id = proposalIdFor(action.key.strategy, action.key.symbol, action.key.side, time);
            const command = createCommand({ ...action.key, proposalId: id, at: time, expiresAt: new Date(Date.parse(time) + 60_000).toISOString(), openProposals: open });
            if (action.key.side === 'sell_short') Object.assign(command, { stopPrice: dec('190'), targetPrice: dec('180') });
            const duplicate = findDuplicateProposal(open, action.key);
            let events: ProposalEvent[] = [];
            try {
              events = decider.decide(command, decider.initialState());
            } catch (error) {
              expect((error as DomainError).code).toBe('PROPOSAL_DUPLICATE');
            }
            expect(events.length === 0).toBe(duplicate !== null);
            streams.set(id, events);
            events.forEach((event) => (open = evolveOpenProposals(open, event)));
          } else if (open.length > 0) {
            const target = open[action.pick % open.length]!;
            if (action.kind === 'close') {
              open = closeProposal(open, target.proposalId);
              return;
            }
            const history = streams.get(target.proposalId)!;
            const state = fold(decider, history);
            const command: ProposalCommand =
              action.kind === 'approve'
                ? { type: 'ApproveProposal', proposalId: target.proposalId, actor: 'auto', reason: null, at: time, symbolRegime: null }
                : action.kind === 'reject'
                  ? { type: 'RejectProposal', proposalId: target.proposalId, actor: 'user:carol', reason: null, at: time }
                  : action.kind === 'expire'
                    ? { type: 'ExpireProposal', proposalId: target.proposalId, at: new Date(Date.parse(time) + 3_600_000).toISOString() }
                    : { type: 'ConvertProposal', proposalId: target.proposalId, actor: 'system:execution', at: time };
            let events: ProposalEvent[] = [];
            try {
              events = decider.decide(command, state);
            } catch (error) {
              expect(error).toBeInstanceOf(DomainError);
            }
            streams.set(target.proposalId, [...history, ...events]);
            events.forEach((event) => (open = evolveOpenProposals(open, event)));
          }
          const keysOpen = open.map((entry) => `${entry.strategy}|${entry.symbol}|${entry.side}`);
          expect(new Set(keysOpen).size).toBe(keysOpen.length);
        });
      }),
    );
  });
});
