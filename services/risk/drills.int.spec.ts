import { drillNames, runDrill, createScratchSystem, type DrillReport } from '@tollgate/drills';
import { drillServices, type DrillServicesOptions } from './drill-services';

/**
 * Each drill runs one control end to end in a scratch SIMULATED system and passes; and a drill fails when
 * its control is broken (here: a kill switch that blocks new orders but cancels nothing), so a passing
 * drill is evidence, not a formality.
 */
jest.setTimeout(240_000);

async function drill(name: (typeof drillNames)[number], options: DrillServicesOptions = {}, stepTimeoutMs = 10_000): Promise<{ report: DrillReport; recorded: number }> {
  const system = await createScratchSystem({ services: (config) => drillServices(config, options) });
  try {
    const report = await runDrill(name, system, { stepTimeoutMs });
    const recorded = (await system.store.readStream(`drill-${name}`)).filter((event) => event.type === 'DrillCompleted').length;
    return { report, recorded };
  } finally {
    await system.close();
  }
}

describe('risk drills', () => {
  it.each(drillNames)('%s passes against the real services and records DrillCompleted', async (name) => {
    const { report, recorded } = await drill(name);
    const failed = report.checks.filter((check) => !check.passed);
    expect(failed).toEqual([]);
    expect(report.passed).toBe(true);
    expect(recorded).toBe(1);
  });

  it('reports the kill-switch figures the readiness gate reads, within the 1 s target', async () => {
    const { report } = await drill('kill-switch');
    expect(report.figures).toMatchObject({ restingOrders: 50, ordersCancelled: 51, ordersDeniedAfter: 6, otherScopesUntouched: true });
    expect(Number(report.figures.killLatencyMsP99)).toBeLessThanOrEqual(1_000);
  });

  it('fails the kill-switch drill when the kill switch does not cancel', async () => {
    const { report, recorded } = await drill('kill-switch', { faults: { killSwitchDoesNotCancel: true } }, 2_000);
    expect(report.passed).toBe(false);
    const failed = report.checks.filter((check) => !check.passed).map((check) => check.name);
    expect(failed).toEqual(expect.arrayContaining(['kill strategy:alpha: every resting order in scope is cancelled at the exchange', 'kill all: every resting order in scope is cancelled at the exchange']));
    // The control still blocks new orders: only the cancelling is broken, and only that fails.
    expect(report.checks.find((check) => check.name === 'new orders of the killed strategy are denied KILL_SWITCH_ENGAGED')?.passed).toBe(true);
    expect(recorded).toBe(1);
  });
});
