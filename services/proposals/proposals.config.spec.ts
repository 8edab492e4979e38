import { join } from 'node:path';
import { ValidationError } from '@tollgate/kernel';
import { defaultProposalsConfig, loadProposalsConfig, parseProposalsConfig } from './proposals.config';

const EXAMPLE = join(__dirname, '../../config/strategies.example.json');

function issuesOf(work: () => unknown): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('the proposals config', () => {
  it('reads the example file: strategies with versions, sizing, expiry and every exit setting', () => {
    const config = loadProposalsConfig(EXAMPLE, { symbols: ['SPY'] });
    expect(config.strategies.map((strategy) => [strategy.definition.name, strategy.symbols])).toEqual([
      ['trend', ['SPY', 'QQQ']],
      ['mean-reversion', ['AAPL', 'MSFT']],
    ]);
    expect(config.strategies[0]!.version.version).toMatch(/^[0-9a-f]{16}$/);
    expect(config.riskFraction.toFixed()).toBe('0.01');
    expect(config.expiresAfterMs).toBe(15 * 60_000);
    expect(config.exits).toMatchObject({ maxHoldingMinutes: 240, flattenMinutesBeforeClose: 5, exitOnConfirmedBreak: true, retryAfterMs: 60_000 });
    expect(config.exits.trailingStop?.unit).toBe('percent');
    expect(config.exits.execution).toMatchObject({ take_profit: 'limit', stop_loss: 'marketable', end_of_day: 'marketable' });
  });

  it('defaults to trend on the run’s symbols, flattening five minutes before the close', () => {
    const config = defaultProposalsConfig(['SPY', 'QQQ']);
    expect(config.strategies.map((strategy) => [strategy.definition.name, strategy.symbols])).toEqual([['trend', ['SPY', 'QQQ']]]);
    expect(config).toMatchObject({ timeInForce: 'day', expiresAfterMs: 15 * 60_000 });
    expect(config.exits).toMatchObject({ flattenMinutesBeforeClose: 5, trailingStop: null, maxHoldingMinutes: null, exitOnConfirmedBreak: true });
  });

  it('reports every problem at once, each naming its key', () => {
    const issues = issuesOf(() =>
      parseProposalsConfig({
        strategies: [{ name: 'trend', parameters: { fastPeriod: 1 } }, { name: 'momentum' }],
        sizing: { riskFraction: 'lots' },
        proposals: { expiresAfterMinutes: 0, colour: 'red' },
        exits: { execution: { stop_loss: 'eventually' } },
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sizing\.riskFraction: /),
        expect.stringMatching(/^proposals\.expiresAfterMinutes: must be positive/),
        expect.stringMatching(/^proposals: Unrecognized key: "colour"/),
        expect.stringMatching(/^exits\.execution\.stop_loss: /),
        expect.stringMatching(/^strategies\.0\.parameters\.fastPeriod: /),
        expect.stringMatching(/^strategies\.1\.name: "momentum" is not a registered strategy/),
      ]),
    );
  });

  it('refuses a missing file and malformed JSON by name', () => {
    expect(issuesOf(() => loadProposalsConfig('/nonexistent/strategies.json'))).toEqual(['(root): the file does not exist']);
    expect(() => loadProposalsConfig(join(__dirname, 'proposals.config.ts'))).toThrow(/proposals\.config\.ts was invalid: \(root\): was not JSON/);
  });
});
