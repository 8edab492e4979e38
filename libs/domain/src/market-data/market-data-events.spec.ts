import { createEventRegistry } from '@tollgate/contracts';
import { dec } from '@tollgate/kernel';
import { barRecordedData, tickRejectedData } from './market-data-events';
import { TickValidator } from './tick-validator';

describe('market-data event data', () => {
  const registry = createEventRegistry();

  it('records a bar in the form the registry accepts', () => {
    const data = barRecordedData(
      { timestamp: new Date('2024-07-08T13:31:00Z'), symbol: 'SPY', open: dec('550.10'), high: dec('550.5'), low: dec('549.9'), close: dec('550.2'), volume: dec('1200') },
      { source: 'synthetic', interval: '1m' },
    );
    expect(data).toMatchObject({ timestamp: '2024-07-08T13:31:00.000Z', open: '550.1', interval: '1m' });
    expect(() => registry.validate('BarRecorded', 1, data)).not.toThrow();
  });

  it('refuses a recorded bar whose high and low do not bracket open and close', () => {
    const bad = { timestamp: '2024-07-08T13:31:00Z', symbol: 'SPY', open: '10', high: '9', low: '8', close: '9', volume: '1', interval: null, source: 'x' };
    expect(() => registry.validate('BarRecorded', 1, bad)).toThrow(/high: high and low must bracket open and close/);
  });

  it('records a rejected tick as received, even a malformed one', () => {
    const validator = new TickValidator({ symbols: ['SPY'] });
    const raw = { timestamp: new Date(NaN), symbol: 'SPY', bid: '1', ask: '2', bidSize: '1', askSize: '1' };
    const verdict = validator.validateQuote(raw);
    if (verdict.accepted) throw new Error('expected a rejection');
    const data = tickRejectedData('synthetic', 'quote', raw, verdict);
    expect(data).toMatchObject({ reason: 'INVALID_TIMESTAMP', timestamp: null });
    expect(() => registry.validate('TickRejected', 1, data)).not.toThrow();
  });
});
