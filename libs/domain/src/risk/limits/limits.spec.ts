import { ValidationError } from '@tollgate/kernel';
import type { RiskLimitsChangedData } from '@tollgate/contracts';
import { ACCOUNT, expectValidEvents, limitsDocument } from '../risk.fixtures';
import { compileRiskLimits, limitsInForceAt, limitsChangeInForceAt, parseRiskLimits, parseRiskLimitsText } from './limits';
import { riskLimitsDecider } from './risk-limits.decide';

function issuesOf(raw: unknown): string[] {
  try {
    parseRiskLimits(raw);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  return [];
}

describe('limits file', () => {
  it('accepts a complete limits file and merges symbol overrides over the defaults', () => {
    const limits = parseRiskLimits(limitsDocument((document) => {
      document.symbols = { AAPL: { maxOrderQuantity: '200' } };
    }));
    const account = compileRiskLimits(limits).account(ACCOUNT)!;
    expect(account.instrument('AAPL')!.maxOrderQuantity.toFixed()).toBe('200');
    expect(account.instrument('AAPL')!.maxOrderNotional.toFixed()).toBe('1000000');
    expect(account.instrument('MSFT')!.maxOrderQuantity.toFixed()).toBe('1000');
  });

  it('refuses a bad file whole, naming the key', () => {
    const issues = issuesOf(limitsDocument((document) => {
      document.symbols = { AAPL: { maxOrderQuantity: 1000 as unknown as string } };
    }));
    expect(issues).toContain('limits.symbols.AAPL.maxOrderQuantity: must be a positive decimal string');
    expect(() => parseRiskLimits(limitsDocument((document) => {
      document.symbols = { AAPL: { maxOrderQuantity: '-5' } };
    }))).toThrow('limits.symbols.AAPL.maxOrderQuantity: must be a positive decimal string');
  });

  it('refuses unknown keys, so a misspelt limit is not silently ignored', () => {
    const issues = issuesOf(limitsDocument((document) => {
      (document.symbols as Record<string, unknown>) = { AAPL: { maxOrderQty: '10' } };
    }));
    expect(issues.some((issue) => issue.startsWith('limits.symbols.AAPL') && issue.includes('maxOrderQty'))).toBe(true);
  });

  it('refuses a symbol entry that cannot inherit the fields it leaves out', () => {
    const issues = issuesOf(limitsDocument((document) => {
      delete document.instrumentDefaults;
      document.symbols = { AAPL: { maxOrderQuantity: '10' } };
    }));
    expect(issues).toContain('limits.symbols.AAPL.maxOrderNotional: is required: neither instrumentDefaults nor the top-level symbols entry sets it');
  });

  it('refuses sector limits for a sector no symbol maps to, and a file that is not JSON', () => {
    const issues = issuesOf(limitsDocument((document) => {
      document.accounts[ACCOUNT]!.exposure.sectors = { utilities: '1000' };
    }));
    expect(issues).toContain(`limits.accounts.${ACCOUNT}.exposure.sectors.utilities: names a sector no symbol maps to in sectors`);
    expect(() => parseRiskLimitsText('{ nope')).toThrow('limits: was not JSON');
  });

  it('has no limits for an unlisted symbol when there are no instrument defaults (default deny)', () => {
    const limits = parseRiskLimits(limitsDocument((document) => {
      document.symbols = { AAPL: document.instrumentDefaults! };
      delete document.instrumentDefaults;
    }));
    const account = compileRiskLimits(limits).account(ACCOUNT)!;
    expect(account.instrument('AAPL')).not.toBeNull();
    expect(account.instrument('MSFT')).toBeNull();
    expect(compileRiskLimits(limits).account('OTHER')).toBeNull();
  });
});

describe('limits in force', () => {
  const change = (effectiveAt: string, maxOrderQuantity: string): { data: RiskLimitsChangedData } => ({
    data: {
      actor: 'user:alice',
      reason: 'test',
      effectiveAt,
      limits: parseRiskLimits(limitsDocument((document) => {
        document.instrumentDefaults!.maxOrderQuantity = maxOrderQuantity;
      })),
    },
  });
  const history = [change('2026-03-01T10:00:00.000Z', '100'), change('2026-03-02T10:00:00.000Z', '200'), change('2026-03-03T10:00:00.000Z', '300')];

  it('returns the limits effective at a past moment, so an old decision can be re-checked', () => {
    expect(limitsInForceAt(history, '2026-03-02T12:00:00.000Z')!.instrumentDefaults!.maxOrderQuantity).toBe('200');
    expect(limitsInForceAt(history, new Date('2026-03-02T10:00:00.000Z'))!.instrumentDefaults!.maxOrderQuantity).toBe('200');
    expect(limitsInForceAt(history, '2026-03-09T00:00:00.000Z')!.instrumentDefaults!.maxOrderQuantity).toBe('300');
    expect(limitsChangeInForceAt(history, '2026-03-01T11:00:00.000Z')!.actor).toBe('user:alice');
  });

  it('returns null before any limits were set, which denies everything', () => {
    expect(limitsInForceAt(history, '2026-02-28T00:00:00.000Z')).toBeNull();
    expect(limitsInForceAt([], '2026-03-02T00:00:00.000Z')).toBeNull();
  });
});

describe('risk limits decider', () => {
  it('records a change with actor, reason and the full document', () => {
    const events = riskLimitsDecider.decide(
      { type: 'ChangeRiskLimits', limits: limitsDocument(), actor: 'user:alice', role: 'risk', reason: 'initial limits', at: '2026-03-02T09:00:00.000Z' },
      riskLimitsDecider.initialState(),
    );
    expectValidEvents(events);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ actor: 'user:alice', reason: 'initial limits', effectiveAt: '2026-03-02T09:00:00.000Z' });
    expect(events[0]!.data.limits.accounts[ACCOUNT]).toBeDefined();
  });

  it('refuses a change by a program, by a trader, without a reason, or with a bad file', () => {
    const base = { type: 'ChangeRiskLimits' as const, limits: limitsDocument(), actor: 'user:alice', role: 'risk' as const, reason: 'x', at: '2026-03-02T09:00:00.000Z' };
    const state = riskLimitsDecider.initialState();
    expect(() => riskLimitsDecider.decide({ ...base, actor: 'system:strategy' }, state)).toThrow('not a person');
    expect(() => riskLimitsDecider.decide({ ...base, role: 'trader' }, state)).toThrow('role trader');
    expect(() => riskLimitsDecider.decide({ ...base, reason: '  ' }, state)).toThrow('a reason is required');
    expect(() => riskLimitsDecider.decide({ ...base, limits: { schemaVersion: 1 } }, state)).toThrow('limits.accounts');
  });
});
