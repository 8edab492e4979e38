import type { Command } from 'commander';
import { commandSubjects, DrillCompleted, streamName } from '@tollgate/contracts';
import { CRASH_SCENARIOS, runCrashRecoveryDrill, type CrashRecoveryReport, type CrashScenario } from '@tollgate/drills';
import { createEventStore, DataDirectoryInUseError } from '@tollgate/event-store';
import { newId } from '@tollgate/kernel';
import { NATS_TEST_URL, POSTGRES_ADMIN_URL } from '@tollgate/testing';
import { ControlError, currentOperator, sendCommand } from '../control-client';
import { CommandFailure, outputFor, type Output } from '../output';

interface CrashDrillOptions {
  runs: string;
  points?: string;
  seed?: string;
  postgresUrl?: string;
  natsUrl?: string;
  keep?: boolean;
  record: boolean;
}

/** What `tollgate drill crash-recovery --json` prints. */
export interface CrashDrillDocument {
  drill: 'crash-recovery';
  passed: boolean;
  figures: CrashRecoveryReport['figures'];
  scenarios: CrashRecoveryReport['scenarios'];
  checks: CrashRecoveryReport['checks'];
  seed: number;
  problems: string[];
}

export function renderCrashDrill(report: CrashDrillDocument): string {
  const lines = [
    `crash-recovery drill ${report.passed ? 'PASSED' : 'FAILED'} (seed ${report.seed})`,
    `  runs ${report.figures.runs} · duplicate orders ${report.figures.duplicateOrders} · missing fills ${report.figures.missingFills} · reconciliation failures ${report.figures.reconciliationFailures} · ledger mismatches ${report.figures.ledgerMismatches} · stuck runs ${report.figures.stuckRuns}`,
    `  restart to trading-ready (median) ${(report.figures.restartToReadyMedianMs / 1000).toFixed(1)} s`,
    ...Object.entries(report.scenarios).map(
      ([name, figures]) => `  ${name.padEnd(26)} runs ${figures.runs}, duplicates ${figures.duplicateOrders}, missing fills ${figures.missingFills}, reconciliation failures ${figures.reconciliationFailures}`,
    ),
    ...report.checks.map((check) => `  [${check.passed ? 'ok' : 'FAIL'}] ${check.name}: ${check.detail}`),
    ...report.problems.slice(0, 10).map((problem) => `  ! ${problem}`),
  ];
  return lines.join('\n');
}

function parsePoints(text: string | undefined): CrashScenario[] | undefined {
  if (!text) return undefined;
  const points = text.split(',').map((item) => item.trim());
  for (const point of points) {
    if (!(CRASH_SCENARIOS as readonly string[]).includes(point)) throw new CommandFailure(`--points ${point} is not a crash point; choose from ${CRASH_SCENARIOS.join(', ')}`);
  }
  return points as CrashScenario[];
}

/**
 * Records DrillCompleted where the readiness gates read it, as the other drills do: through the running
 * system (its risk service appends it), else straight into this machine's store when no process holds it.
 * The drill's own database is thrown away with the drill.
 */
async function recordCompleted(report: CrashDrillDocument, output: Output): Promise<void> {
  const data = {
    drill: report.drill,
    passed: report.passed,
    checks: report.checks,
    figures: {
      runs: report.figures.runs,
      duplicateOrders: report.figures.duplicateOrders,
      missingFills: report.figures.missingFills,
      reconciliationFailures: report.figures.reconciliationFailures,
      ledgerMismatches: report.figures.ledgerMismatches,
      stuckRuns: report.figures.stuckRuns,
      restartToReadyMedianMs: report.figures.restartToReadyMedianMs,
      seed: report.seed,
    },
  };
  const parsed = DrillCompleted.schema.safeParse(data);
  if (!parsed.success) {
    output.info(`DrillCompleted was not recorded: the event's schema refused it (${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')})`);
    return;
  }
  try {
    await sendCommand(commandSubjects.risk.recordDrill, { report: parsed.data }, { actor: currentOperator(), timeoutMs: 5_000 });
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
      await store.append(streamName('drill', report.drill), 'any', [
        { id: newId(), type: 'DrillCompleted', data: parsed.data, metadata: { correlationId: newId(), causationId: null, actor: currentOperator() }, occurredAt: new Date().toISOString() },
      ]);
    } finally {
      await store.close();
    }
    output.info('recorded as DrillCompleted in this machine\u2019s store (no system was running)');
  } catch (error) {
    const reason = error instanceof DataDirectoryInUseError ? `${error.message}; start its gateway or set NATS_URL to record there` : error instanceof Error ? error.message : String(error);
    output.info(`DrillCompleted was not recorded: ${reason}`);
  }
}

/** Adds `crash-recovery` to the `drill` command group, creating the group if no other drill registered it. */
export function register(program: Command): void {
  const drill =
    program.commands.find((command) => command.name() === 'drill') ??
    program.command('drill').description('run a drill that proves a safety property from evidence, and record it as DrillCompleted');
  drill
    .command('crash-recovery')
    .description(
      'SIGKILL execution and reconciliation at each dangerous point of an order (separate processes, NATS, PostgreSQL, the broker sandbox), restart them, and prove no duplicate order, no missing fill, ledger = broker, reconciliation passes',
    )
    .option('--runs <n>', 'runs per dangerous point', '20')
    .option('--points <list>', `only these points, comma-separated (${CRASH_SCENARIOS.join(', ')})`)
    .option('--seed <n>', 'seed of the random timings (printed, to repeat a run)')
    .option('--postgres-url <url>', 'PostgreSQL server to create the drill database on (default TOLLGATE_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test)')
    .option('--nats-url <url>', 'NATS server (with JetStream) for the drill (default NATS_URL, else nats://127.0.0.1:4222); it uses a namespace of its own')
    .option('--keep', 'keep the work directory (process logs, sandbox journal) and the drill database')
    .option('--no-record', 'do not record DrillCompleted')
    .option('--json', 'print one JSON document: {"drill","passed","figures":{"runs","duplicateOrders","missingFills","reconciliationFailures",…},…}')
    .addHelpText(
      'after',
      '\nPoints: after-intent-before-send, after-send-before-ack, between-partial-fills, during-cancel. Each run takes a few\n' +
        'seconds (two processes restart); 20 runs per point take several minutes. Figures come from the sandbox\'s own order\n' +
        'log, fills and positions and from the event store, not from the services under test. See docs/reconciliation.md.\n',
    )
    .action(async (options: CrashDrillOptions, command: Command) => {
      const output = outputFor(command);
      const runs = Number(options.runs);
      if (!Number.isInteger(runs) || runs < 1) throw new CommandFailure(`--runs must be a whole number ≥ 1, was ${JSON.stringify(options.runs)}`);
      const seed = options.seed === undefined ? undefined : Number(options.seed);
      if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) throw new CommandFailure(`--seed must be a whole number ≥ 0, was ${JSON.stringify(options.seed)}`);
      const points = parsePoints(options.points);
      let report: CrashRecoveryReport;
      try {
        report = await runCrashRecoveryDrill({
          runsPerPoint: runs,
          ...(points ? { scenarios: points } : {}),
          ...(seed !== undefined ? { seed } : {}),
          postgresUrl: options.postgresUrl ?? POSTGRES_ADMIN_URL,
          natsUrl: options.natsUrl ?? (process.env.NATS_URL?.trim() || NATS_TEST_URL),
          keep: options.keep ?? false,
          progress: (line) => output.info(line),
        });
      } catch (error) {
        throw new CommandFailure(`the crash-recovery drill could not run: ${error instanceof Error ? error.message : String(error)}`);
      }
      const document: CrashDrillDocument = {
        drill: 'crash-recovery',
        passed: report.passed,
        figures: report.figures,
        scenarios: report.scenarios,
        checks: report.checks,
        seed: report.seed,
        problems: report.problems,
      };
      // `--no-record` may be taken by the parent `drill` command, which has the same option.
      if (options.record && command.parent?.opts<{ record?: boolean }>().record !== false) await recordCompleted(document, output);
      if (report.workDir) output.info(`kept: ${report.workDir}`);
      output.result(document, renderCrashDrill);
      if (!report.passed) process.exitCode = 1;
    });
}
