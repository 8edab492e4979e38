import type { Command } from 'commander';
import { commandSubjects } from '@tollgate/contracts';
import { drillNames, recordDrill, runDrillInScratch, type DrillName, type DrillReport } from '@tollgate/drills';
import { createEventStore, DataDirectoryInUseError } from '@tollgate/event-store';
import { drillServices } from '@tollgate/services/risk/drill-services';
import { ControlError, currentOperator, sendCommand } from '../control-client';
import { CommandFailure, outputFor, type Output } from '../output';
import { parseDuration } from './risk-control';

interface DrillOptions {
  record: boolean;
  stepTimeout: string;
  url?: string;
}

const FIGURE_UNITS: Record<string, string> = { killLatencyMsP99: 'ms', killLatencyMsMax: 'ms', tripLatencyMs: 'ms', timeToFlatMs: 'ms' };

export function renderDrill(report: DrillReport): string {
  const passed = report.checks.filter((check) => check.passed).length;
  const lines = [`drill ${report.drill}: ${report.passed ? 'PASSED' : 'FAILED'} (${passed} of ${report.checks.length} checks)`];
  for (const check of report.checks) lines.push(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name} — ${check.detail}`);
  const figures = Object.entries(report.figures).map(([name, value]) => `${name}=${String(value)}${FIGURE_UNITS[name] ? ` ${FIGURE_UNITS[name]}` : ''}`);
  if (figures.length > 0) lines.push(`figures: ${figures.join(', ')}`);
  return lines.join('\n');
}

/**
 * Records the result where the readiness gates read it: the running system (its risk service appends
 * DrillCompleted), else this machine's store directly when no process holds it. The scratch system's own
 * store has it too, but that store is thrown away with the drill.
 */
async function recordInSystem(report: DrillReport, options: DrillOptions, output: Output): Promise<void> {
  try {
    await sendCommand(commandSubjects.risk.recordDrill, { report }, { actor: currentOperator(), timeoutMs: 5_000, ...(options.url ? { gatewayUrl: options.url } : {}) });
    output.info('recorded as DrillCompleted in the running system');
    return;
  } catch (error) {
    if (!(error instanceof ControlError) || (error.kind !== 'unreachable' && error.kind !== 'not-running')) {
      output.info(`not recorded in the running system: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
  }
  try {
    const store = await createEventStore();
    try {
      await recordDrill(store, report, currentOperator());
    } finally {
      await store.close();
    }
    output.info('recorded as DrillCompleted in this machine’s store (no system was running)');
  } catch (error) {
    const reason = error instanceof DataDirectoryInUseError ? `${error.message}; start its gateway or set NATS_URL to record there` : error instanceof Error ? error.message : String(error);
    output.info(`not recorded outside the scratch system: ${reason}`);
  }
}

export function register(program: Command): void {
  program
    .command('drill')
    .description('run one risk control end to end in a scratch SIMULATED system and check its effect from the events and the simulated exchange’s own state')
    .argument('<name>', drillNames.join(' | '))
    .option('--no-record', 'do not record the result (DrillCompleted) in the running system or this machine’s store')
    .option('--step-timeout <duration>', 'how long any one step may wait for its evidence', '10s')
    .option('--url <url>', 'the gateway of the running system to record the result in')
    .option('--json', 'print one JSON document: {"drill","passed","checks":[{"name","passed","detail"}],"figures":{…}}')
    .addHelpText(
      'after',
      '\nThe scratch system runs the real simulated exchange, execution, risk and circuit-breaker services on an\n' +
        'in-memory store and bus, whatever NATS_URL or DATABASE_URL say; the drill plays the market itself.\n' +
        'kill-switch: 50 resting orders in three strategies, kill one, then all (killLatencyMsP99, ordersCancelled, …).\n' +
        'emergency-stop: flatten a long and a short with collared limit exits after the cancels are confirmed.\n' +
        'breaker: a price move with no trade trips the daily loss, halts, cancels; resets need a role.\n' +
        'throttle: 101 submits in one second at 100/s; 100 cancels in the same second.\n' +
        'override: one order, a second approver, no reuse, no slicing, expiry, never-overridable controls.\n' +
        'Exit status: 0 when every check passed, 1 otherwise. See docs/risk-controls.md.\n',
    )
    .action(async (name: string, options: DrillOptions, command: Command) => {
      const output = outputFor(command);
      if (!(drillNames as readonly string[]).includes(name)) throw new CommandFailure(`drill must be one of ${drillNames.join(', ')}, was ${JSON.stringify(name)}`);
      const stepTimeoutMs = parseDuration(options.stepTimeout, '--step-timeout');
      output.info(`running drill ${name} in a scratch SIMULATED system…`);
      const report = await runDrillInScratch(name as DrillName, { services: (config) => drillServices(config) }, { stepTimeoutMs });
      output.result(report, renderDrill);
      if (options.record) await recordInSystem(report, options, output);
      if (!report.passed) {
        const failed = report.checks.find((check) => !check.passed);
        throw new CommandFailure(`drill ${name} failed: ${failed ? `${failed.name} — ${failed.detail}` : 'no check ran'}`);
      }
    });
}
