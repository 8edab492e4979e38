import { ManualClock } from '@tollgate/kernel';
import { MarketClock } from './market-clock';

describe('MarketClock', () => {
  const wall = new ManualClock(new Date('2030-01-01T00:00:00Z'));

  it('in SIMULATED mode follows the market data, never backwards', () => {
    const clock = MarketClock.forMode('SIMULATED', wall);
    expect(clock.now()).toEqual(wall.now());
    clock.observe('2024-07-02T14:00:00.000Z');
    clock.observe(new Date('2024-07-02T13:59:00.000Z'));
    expect(clock.now().toISOString()).toBe('2024-07-02T14:00:00.000Z');
    clock.observe(Date.parse('2024-07-02T14:00:15.000Z'));
    expect(clock.now().toISOString()).toBe('2024-07-02T14:00:15.000Z');
  });

  it('outside a simulation is the wall clock, whatever the market data says', () => {
    const clock = MarketClock.forMode('LIVE', wall);
    clock.observe('2024-07-02T14:00:00.000Z');
    expect(clock.now()).toEqual(wall.now());
  });
});
