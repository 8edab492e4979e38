import type { Command } from 'commander';
import { loadRuntimeConfig, type RuntimeConfig } from '@tollgate/application';
import { BrokerConfigurationError, createBrokerFor } from '@tollgate/brokers';
import { commandSubjects, reconciliationBreakClass, type ReconciliationBreakClass } from '@tollgate/contracts';
import type { ReconciliationReport } from '@tollgate/domain/reconciliation';
import { defaultRetryPolicy } from '@tollgate/domain/sync';
import { createEventStore } from '@tollgate/event-store';
import { ValidationError } from '@tollgate/kernel';
import type {
  BreakChangeResponse,
  ReconcileInput,
  ReconcileResponse,
  ReconciliationStatusView,
} from '@tollgate/services/reconciliation/reconciliation.commands';
import { ReconciliationRunner } from '@tollgate/services/reconciliation/reconciliation-runner';
import { currentOperator, sendCommand } from '../control-client';
import { CommandFailure, outputFor } from '../output';

interface ReconcileOptions {
  standalone?: boolean;
  mode?: string;
  adopt?: string[];
  reason?: string;
  timeout: string;
}

/** Exit codes: 0 passed, 1 a break is open, 2 the broker could not be read (nothing was compared). */
export const RECONCILE_EXIT = { passed: 0, breaks: 1, unknown: 2 } as const;

const BREAK_CLASSES = reconciliationBreakClass.options;

/** The document `tollgate reconcile --json` prints: exactly the report (with `reason` only when the broker could not be read). */
export function reportOf(answer: ReconciliationReport): ReconciliationReport {
  return {
    passed: answer.passed,
    checkedAt: answer.checkedAt,
    breaks: answer.breaks.map((line) => ({ class: line.class, symbol: line.symbol, ours: line.ours, broker: line.broker, policy: line.policy })),
    ...(answer.reason ? { reason: answer.reason } : {}),
  };
}

export function renderReport(report: ReconciliationReport): string {
  if (report.passed) return `reconciliation passed at ${report.checkedAt}: positions, open orders, fills and cash agree with the broker`;
  if (report.reason) {
    return [`reconciliation could not run at ${report.checkedAt}: ${report.reason}`, 'nothing was compared; trading stays halted until a sync succeeds (docs/runbooks/recovery.md)'].join('\n');
  }
  const rows = [['CLASS', 'SYMBOL', 'OURS', 'BROKER', 'POLICY'], ...report.breaks.map((line) => [line.class, line.symbol ?? '-', line.ours ?? '-', line.broker ?? '-', line.policy])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const table = rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
  return `reconciliation found ${report.breaks.length} break${report.breaks.length === 1 ? '' : 's'} at ${report.checkedAt}:\n${table}\nsee docs/runbooks/recovery.md for what each policy means and what to do`;
}

function exitCodeOf(report: ReconciliationReport): number {
  if (report.passed) return RECONCILE_EXIT.passed;
  return report.reason ? RECONCILE_EXIT.unknown : RECONCILE_EXIT.breaks;
}

function seconds(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new CommandFailure(`${flag} must be a positive number of seconds, was ${JSON.stringify(value)}`);
  return number * 1_000;
}

function adoptedClasses(options: ReconcileOptions): ReconciliationBreakClass[] {
  const classes = options.adopt ?? [];
  for (const item of classes) {
    if (!(BREAK_CLASSES as readonly string[]).includes(item)) throw new CommandFailure(`--adopt ${item} is not a break class; choose from ${BREAK_CLASSES.join(', ')}`);
  }
  if (classes.length > 0 && !options.reason?.trim()) throw new CommandFailure('--adopt takes the broker truth as an adjustment and needs --reason "<why>"');
  return classes as ReconciliationBreakClass[];
}

/** One run against the broker and the store directly, without the running system (its own books, no readiness recorded). */
async function reconcileStandalone(config: RuntimeConfig, request: ReconcileInput): Promise<ReconcileResponse> {
  if (config.mode === 'SIMULATED') {
    throw new CommandFailure('--standalone talks to the broker itself, so it needs --mode sandbox-paper or live: the simulated exchange lives inside the running system (drop --standalone)');
  }
  let port;
  try {
    port = await createBrokerFor({ mode: config.mode, dryRun: config.dryRun, alpaca: { retry: false } });
  } catch (error) {
    if (error instanceof BrokerConfigurationError || error instanceof ValidationError) throw new CommandFailure(error.message);
    throw error;
  }
  let store;
  try {
    store = await createEventStore(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  } catch (error) {
    await port.close();
    throw new CommandFailure(`the event store (${config.databaseUrl ? 'DATABASE_URL' : config.dataDir}) could not be opened: ${(error as Error).message}`);
  }
  const runner = new ReconciliationRunner(store, port, { accountId: config.accountId, retry: defaultRetryPolicy, recordsReadiness: false });
  try {
    await runner.start();
    return await runner.run({
      trigger: 'on_demand',
      ...(request.adopt?.length ? { adopt: request.adopt, requestedBy: request.actor, ...(request.reason ? { reason: request.reason } : {}) } : {}),
    });
  } finally {
    await runner.stop();
    await port.close();
    await store.close();
  }
}

function renderStatus(status: ReconciliationStatusView): string {
  const lines = [
    `account ${status.accountId} at ${status.broker}: trading ${status.readiness.ready ? 'READY' : 'NOT READY'}`,
    ...status.readiness.reasons.map((reason) => `  - ${reason}`),
    `sync: connection ${status.sync.connection}, last completed ${status.sync.lastCompletedAt ?? 'never'}, failures ${status.sync.consecutiveFailures} in a row (${status.sync.totalFailures} in total), fill cursor ${status.sync.fillCursor ?? 'none'}`,
    status.lastRun ? `last reconciliation: ${status.lastRun.status} at ${status.lastRun.checkedAt}` : 'no reconciliation by this process yet',
  ];
  if (status.openBreaks.length === 0) lines.push('no open breaks');
  else {
    lines.push(`${status.openBreaks.length} open break(s):`);
    for (const item of status.openBreaks) {
      lines.push(`  ${item.breakId}  ${item.class}  ${item.symbol ?? '-'}  ${item.field}: ours ${item.ours ?? '-'}, broker ${item.broker ?? '-'}  policy ${item.policy}  ${item.status}`);
    }
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  const reconcileCommand = program
    .command('reconcile')
    .description("sync with the broker now and compare positions, open orders, fills and cash with Tollgate's books; exits 1 when a break is open")
    .option('--standalone', 'open the event store and the broker directly instead of asking the running system (SANDBOX_PAPER or LIVE)')
    .option('--mode <mode>', 'with --standalone: sandbox-paper or live (default TOLLGATE_MODE)')
    .option('--adopt <class...>', `take the broker's truth for these break classes as explicit adjustments (${BREAK_CLASSES.join(', ')}); needs --reason`)
    .option('--reason <text>', 'why the broker truth is adopted (recorded in the adjustment)')
    .option('--timeout <seconds>', 'how long to wait for the running system', '60')
    .option('--json', 'print one JSON document: {"passed","checkedAt","breaks":[{"class","symbol","ours","broker","policy"}]}')
    .addHelpText(
      'after',
      '\nExit status: 0 passed, 1 a break is open, 2 the broker could not be read (nothing was compared).\n' +
        'Without --standalone it asks the reconciliation service of the running system (NATS_URL, else the local gateway).\n' +
        'Subcommands: `reconcile status`, `reconcile ack BREAK_ID`, `reconcile resolve BREAK_ID --reason`. See docs/runbooks/recovery.md.\n',
    )
    .action(async (options: ReconcileOptions, command: Command) => {
      const output = outputFor(command);
      const adopt = adoptedClasses(options);
      const actor = currentOperator();
      const request: ReconcileInput = { actor, adopt, ...(options.reason ? { reason: options.reason } : {}) };
      let answer: ReconcileResponse;
      if (options.standalone) {
        const config = loadRuntimeConfig(options.mode ? { mode: options.mode.toUpperCase().replace('-', '_') as RuntimeConfig['mode'] } : {});
        answer = await reconcileStandalone(config, request);
      } else {
        const { actor: _actor, ...payload } = request;
        answer = await sendCommand<ReconcileResponse>(commandSubjects.reconciliation.reconcile, payload, { actor, timeoutMs: seconds(options.timeout, '--timeout') });
      }
      const report = reportOf(answer);
      output.result(report, renderReport);
      process.exitCode = exitCodeOf(report);
    });

  reconcileCommand
    .command('status')
    .description('readiness, the last sync and reconciliation, and the open breaks, from the running system')
    .option('--json', 'print the status as one JSON document')
    .action(async (_options: unknown, command: Command) => {
      const status = await sendCommand<ReconciliationStatusView>(commandSubjects.reconciliation.status, {});
      outputFor(command).result(status, renderStatus);
    });

  reconcileCommand
    .command('ack')
    .description('acknowledge an open break: someone is on it (it stays open, and a halt still halts)')
    .argument('<breakId>', 'the break id (from `tollgate reconcile status`)')
    .option('--note <text>', 'what is being done about it', '')
    .option('--json', 'print the answer as JSON')
    .action(async (breakId: string, options: { note: string }, command: Command) => {
      const answer = await sendCommand<BreakChangeResponse>(commandSubjects.reconciliation.acknowledgeBreak, { breakId, note: options.note }, { actor: currentOperator() });
      outputFor(command).result(answer, (value) => `break ${value.breakId} is ${value.status}`);
    });

  reconcileCommand
    .command('resolve')
    .description('resolve a break by hand (fixed at the broker, or not a difference); the next run reopens it if the difference is still there')
    .argument('<breakId>', 'the break id (from `tollgate reconcile status`)')
    .requiredOption('--reason <text>', 'why it is resolved')
    .option('--json', 'print the answer as JSON')
    .action(async (breakId: string, options: { reason: string }, command: Command) => {
      const answer = await sendCommand<BreakChangeResponse>(commandSubjects.reconciliation.resolveBreak, { breakId, reason: options.reason }, { actor: currentOperator() });
      outputFor(command).result(answer, (value) => `break ${value.breakId} is ${value.status}`);
    });
}
