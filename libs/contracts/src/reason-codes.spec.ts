import { denial, denialReasonCodeList, denialReasonCodes, denialReasonSchema, denialRecord, isOverridable, renderDenial } from './reason-codes';

describe('denial reason codes', () => {
  it('renders a code with its context in declared order', () => {
    expect(renderDenial(denial('QUANTITY_EXCEEDS_MAXIMUM', { max: '1000', quantity: '1200' }))).toBe('QUANTITY_EXCEEDS_MAXIMUM: quantity=1200, max=1000');
  });

  it('gives every code a description and context keys, and renders each into a valid record', () => {
    for (const code of denialReasonCodeList) {
      const definition = denialReasonCodes[code];
      expect(definition.description.length).toBeGreaterThan(0);
      const context = Object.fromEntries(definition.keys.map((key) => [key, 'x']));
      const record = denialRecord({ code, context } as Parameters<typeof denialRecord>[0]);
      expect(record.message.startsWith(`${code}: `)).toBe(true);
      expect(denialReasonSchema.safeParse(record).success).toBe(true);
    }
  });

  it('refuses a recorded denial that lacks a context key its code declares', () => {
    const parsed = denialReasonSchema.safeParse({ code: 'QUANTITY_EXCEEDS_MAXIMUM', context: { quantity: '1' }, message: 'x' });
    expect(parsed.success).toBe(false);
  });

  it('never lets an override waive the kill switch, halts, stale data, throttles or duplicates', () => {
    for (const code of ['KILL_SWITCH_ENGAGED', 'TRADING_HALTED', 'STALE_MARKET_DATA', 'RATE_LIMIT_EXCEEDED', 'DUPLICATE_INTENT', 'SELF_MATCH', 'VENUE_HALTED'] as const) {
      expect(isOverridable(code)).toBe(false);
    }
    expect(isOverridable('QUANTITY_EXCEEDS_MAXIMUM')).toBe(true);
  });
});
