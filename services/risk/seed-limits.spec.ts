import { readFileSync } from 'node:fs';
import type { RiskLimits } from '@tollgate/contracts';
import { parseRiskLimitsText } from '@tollgate/domain/risk';
import { dec } from '@tollgate/kernel';
import { DEFAULT_SANDBOX_PAPER_LIMITS_FILE, DEFAULT_SIMULATED_LIMITS_FILE, defaultSeedLimitsFile } from './risk.module';

/**
 * The limits the risk service seeds at a first start. A seed file the schema refuses would leave the
 * service denying every order (it logs and seeds nothing), so each is loaded here exactly as the service
 * loads it.
 */
const load = (file: string): RiskLimits => parseRiskLimitsText(readFileSync(file, 'utf8'));

describe('seeded default limits', () => {
  it('seeds SIMULATED and SANDBOX_PAPER from their own files, and LIVE from none', () => {
    expect(defaultSeedLimitsFile('SIMULATED')).toBe(DEFAULT_SIMULATED_LIMITS_FILE);
    expect(defaultSeedLimitsFile('SANDBOX_PAPER')).toBe(DEFAULT_SANDBOX_PAPER_LIMITS_FILE);
    expect(defaultSeedLimitsFile('LIVE')).toBe(false);
  });

  it.each([
    ['SIMULATED', DEFAULT_SIMULATED_LIMITS_FILE],
    ['SANDBOX_PAPER', DEFAULT_SANDBOX_PAPER_LIMITS_FILE],
  ] as const)('%s: the file passes the limits schema and permits its own mode for the default account', (mode, file) => {
    const limits = load(file);
    const account = limits.accounts.default;
    expect(account).toBeDefined();
    expect(account!.modes[mode]).toBeDefined();
    expect(account!.modes[mode]!.manualOrders).toBe(true);
    // A seed file is for its own mode only: it never permits trading in LIVE.
    expect(account!.modes.LIVE).toBeUndefined();
  });

  it('SANDBOX_PAPER is more conservative than SIMULATED: smaller notional and quantity caps, the same auto-mode symbols', () => {
    const simulated = load(DEFAULT_SIMULATED_LIMITS_FILE);
    const paper = load(DEFAULT_SANDBOX_PAPER_LIMITS_FILE);
    const caps = ['maxOrderQuantity', 'maxOrderNotional', 'maxPositionQuantity', 'maxSymbolNotional'] as const;
    for (const cap of caps) {
      expect({ cap, smaller: dec(paper.instrumentDefaults![cap]).lessThan(dec(simulated.instrumentDefaults![cap])) }).toEqual({ cap, smaller: true });
    }
    const simulatedExposure = simulated.accounts.default!.exposure;
    const paperExposure = paper.accounts.default!.exposure;
    expect(dec(paperExposure.maxGrossNotional).lessThan(dec(simulatedExposure.maxGrossNotional))).toBe(true);
    expect(dec(paperExposure.maxNetNotional).lessThan(dec(simulatedExposure.maxNetNotional))).toBe(true);
    expect(paper.accounts.default!.autoMode?.symbols).toEqual(simulated.accounts.default!.autoMode?.symbols);
  });
});
