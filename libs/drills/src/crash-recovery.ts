import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { CRASH_POINTS, type CrashPoint } from '@tollgate/brokers';
import { commandSubjects, type RecordedEvent } from '@tollgate/contracts';
import { clientOrderIdFor, orderIdFor } from '@tollgate/domain/order';
import { createEventStore, type EventStore } from '@tollgate/event-store';
import { connectNatsBus, type NatsBus } from '@tollgate/messaging';
import {
  duplicateOrders,
  ledgerMismatches,
  missingFills,
  sandboxFills,
  sandboxOrderLog,
  sandboxPositions,
  storeFills,
  storePositions,
  type SandboxAccess,
} from './crash-recovery.evidence';

/**
 * The crash-recovery drill (issue 6, "crash safety, proven"). Execution and reconciliation run as their
 * own OS processes over real NATS (a namespace of their own) and PostgreSQL (a fresh database), against
 * the broker sandbox (a third process). Each run arms one dangerous point in execution, lets an order
 * reach it, and execution SIGKILLs itself there — at once or a random few milliseconds later; the drill
 * SIGKILLs reconciliation at a random moment too (and sometimes arms a crash point inside its start-up
 * sync), restarts both, lets them recover, and then checks, from the sandbox's own order log, fills and
 * positions and from the raw events in the store: no duplicate order, no missing fill, the store's fills
 * add up to the sandbox's positions, and a reconciliation passed after the restart.
 */
export const CRASH_SCENARIOS = ['after-intent-before-send', 'after-send-before-ack', 'between-partial-fills', 'during-cancel'] as const;
export type CrashScenario = (typeof CRASH_SCENARIOS)[number];

export interface CrashRecoveryOptions {
  /** Runs per dangerous point (the drill's default is 20). */
  runsPerPoint: number;
  scenarios?: readonly CrashScenario[];
  /** PostgreSQL server (any database on it): the drill creates a fresh database there and drops it afterwards. */
  postgresUrl: string;
  natsUrl: string;
  /** Seed of the random timings; printed, so a failing drill can be run again the same way. */
  seed?: number;
  /** Keep the work directory (process logs, sandbox journal) and the database. */
  keep?: boolean;
  progress?: (line: string) => void;
}

export interface ScenarioFigures {
  runs: number;
  duplicateOrders: number;
  missingFills: number;
  reconciliationFailures: number;
  ledgerMismatches: number;
  /** The crash point was not reached, or the order never settled: the run proves nothing. */
  stuckRuns: number;
}

export interface CrashRecoveryReport {
  drill: 'crash-recovery';
  passed: boolean;
  figures: ScenarioFigures & {
    /** Median time from restarting the processes to trading-ready (reconciliation's readiness), ms. */
    restartToReadyMedianMs: number;
  };
  scenarios: Record<string, ScenarioFigures>;
  seed: number;
  /** The first problems found, one line each. */
  problems: string[];
  checks: Array<{ name: string; passed: boolean; detail: string }>;
  workDir?: string;
}

const ROOT = resolve(__dirname, '../../..');
/** Both services run as `tollgate service NAME`: their brokers come from createBrokerFor, which arms the crash points. */
const TOLLGATE = join(ROOT, 'bin/tollgate.js');

/** The answers the drill reads from the services (services/reconciliation/reconciliation.commands.ts): only what it needs. */
interface ReconcileAnswer {
  passed: boolean;
  breaks: unknown[];
  reason?: string;
}
interface ReconciliationStatusAnswer {
  readiness: { ready: boolean; reasons: string[] };
  lastRun: ReconcileAnswer | null;
}
const SYMBOLS = ['SPY', 'QQQ', 'AAPL', 'MSFT'];
const NORMAL_QUOTE = { bid: '99.99', ask: '100.01' };
const ACCOUNT_ID = 'drill';
const ACTOR = 'system:crash-drill';
/** `tollgate service NAME` says `<name> is running (…)` once its services listen (libs/cli/src/commands/service.command.ts). */
const READY = /^\S+ is running \(/;

/** A small seeded generator: the drill's timings are reproducible from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** One process of the drill: started, SIGKILLed and started again; its output goes to a log file. */
class DrillProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  private readonly log: WriteStream;
  /** The last lines it wrote, so a failure can say why without the log file. */
  private recent: string[] = [];
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves with the first line (stdout or stderr) that `readyPrefix` matches. */
  start(readyPrefix: RegExp, timeoutMs = 60_000): Promise<string> {
    this.starts += 1;
    this.recent = [];
    this.log.write(`\n==== start ${this.starts} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, this.args, { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return new Promise<string>((resolve, reject) => {
      let buffer = '';
      let ready = false;
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within ${timeoutMs} ms (see its log)`)), timeoutMs);
      const watch = (chunk: Buffer) => {
        this.log.write(chunk);
        this.recent = [...this.recent, ...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== '')].slice(-5);
        if (ready) return;
        buffer += chunk.toString('utf8');
        const line = buffer.split('\n').find((item) => readyPrefix.test(item));
        if (line) {
          ready = true;
          clearTimeout(timer);
          resolve(line);
        }
      };
      child.stdout!.on('data', watch);
      child.stderr!.on('data', watch);
      void this.exit!.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before it was ready: ${this.recent.slice(-2).join(' | ').slice(0, 400)}`));
      });
    });
  }

  /** Resolves when the process has exited, or with undefined after `timeoutMs`. */
  async exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    if (!this.exit) return { code: null, signal: null };
    return Promise.race([this.exit, sleep(timeoutMs).then(() => undefined)]);
  }

  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exit;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    if (!(await this.exited(5_000))) await this.kill();
  }

  close(): void {
    this.log.end();
  }
}

async function createDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `crash_drill_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

interface Intent {
  intentId: string;
  orderId: string;
  symbol: string;
  scenario: CrashScenario;
}

/** Runs the drill; never throws for a failed check (the report says), only when it cannot set up. */
export async function runCrashRecoveryDrill(options: CrashRecoveryOptions): Promise<CrashRecoveryReport> {
  const progress = options.progress ?? (() => undefined);
  const seed = options.seed ?? randomBytes(4).readUInt32LE(0);
  const random = seededRandom(seed);
  const scenarios = options.scenarios ?? CRASH_SCENARIOS;
  const workDir = mkdtempSync(join(tmpdir(), 'tollgate-crash-drill-'));
  const namespace = `crash_${randomBytes(5).toString('hex')}`;
  const database = await createDatabase(options.postgresUrl);
  const processes: DrillProcess[] = [];
  let bus: NatsBus | undefined;
  let store: EventStore | undefined;
  progress(`crash-recovery drill: seed ${seed}, ${options.runsPerPoint} run(s) × ${scenarios.length} point(s); work dir ${workDir}; NATS namespace ${namespace}`);
  try {
    // The broker: its own process, its state journaled in the work dir.
    const sandboxProcess = new DrillProcess(
      'broker-sandbox',
      [TOLLGATE, 'broker-sandbox', '--json', '--port', '0', '--tick-ms', '0', '--rate-limit', '100000', '--data-dir', join(workDir, 'sandbox')],
      { ...process.env, TOLLGATE_LOG_LEVEL: 'warn' },
      join(workDir, 'broker-sandbox.log'),
    );
    processes.push(sandboxProcess);
    const started = JSON.parse(await sandboxProcess.start(/^\{"baseUrl"/)) as { baseUrl: string; keyId: string; secret: string };
    const sandbox: SandboxAccess = { baseUrl: started.baseUrl, keyId: started.keyId, secret: started.secret };
    const admin = async (path: string, body: unknown) => {
      const response = await fetch(`${sandbox.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'APCA-API-KEY-ID': sandbox.keyId, 'APCA-API-SECRET-KEY': sandbox.secret, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`broker sandbox ${path} answered HTTP ${response.status}: ${await response.text()}`);
    };
    for (const symbol of SYMBOLS) await admin('/admin/quotes', { symbol, ...NORMAL_QUOTE });

    // The drill's own view of the system: the same NATS namespace and the store's raw events.
    bus = await connectNatsBus({ url: options.natsUrl, namespace, name: 'crash-drill', requestTimeoutMs: 10_000 });
    // Risk is not under test here: an answer that allows every order stands in for the risk service.
    await bus.reply(commandSubjects.risk.checkOrder, () => ({ allowed: true }));
    store = await createEventStore({ databaseUrl: database.url });

    const controls = { execution: join(workDir, 'execution.crash'), reconciliation: join(workDir, 'reconciliation.crash') };
    const arm = (which: keyof typeof controls, point: CrashPoint | null, delayMs = 0) => writeFileSync(controls[which], point ? `${point} ${delayMs}\n` : '');
    arm('execution', null);
    arm('reconciliation', null);
    const serviceEnv = (which: keyof typeof controls): NodeJS.ProcessEnv => ({
      ...process.env,
      NATS_URL: options.natsUrl,
      TOLLGATE_NATS_NAMESPACE: namespace,
      DATABASE_URL: database.url,
      TOLLGATE_MODE: 'SANDBOX_PAPER',
      TOLLGATE_DRY_RUN: 'false',
      TOLLGATE_ACCOUNT_ID: ACCOUNT_ID,
      TOLLGATE_SYMBOLS: SYMBOLS.join(','),
      APCA_API_BASE_URL: sandbox.baseUrl,
      APCA_API_KEY_ID: sandbox.keyId,
      APCA_API_SECRET_KEY: sandbox.secret,
      APCA_CREDENTIALS_FILE: '',
      TOLLGATE_CRASH_CONTROL: controls[which],
      TOLLGATE_CRASH_AT: '',
      TOLLGATE_SYNC_INTERVAL_MS: '2000',
      // Tighter than the services' defaults, so a restart is trading-ready (and a lost answer looked up) sooner.
      TOLLGATE_BROKER_TIMEOUT_MS: '5000',
      TOLLGATE_SYNC_RETRY_MS: '500',
      TOLLGATE_STREAM_WAIT_MS: '3000',
      TOLLGATE_LOG_LEVEL: process.env.TOLLGATE_DRILL_LOG_LEVEL ?? 'warn',
    });
    const execution = new DrillProcess('execution', [TOLLGATE, 'service', 'execution'], serviceEnv('execution'), join(workDir, 'execution.log'));
    const reconciliation = new DrillProcess('reconciliation', [TOLLGATE, 'service', 'reconciliation'], serviceEnv('reconciliation'), join(workDir, 'reconciliation.log'));
    processes.push(execution, reconciliation);

    const request = <T>(subject: string, payload: unknown, timeoutMs = 10_000) => bus!.request<T>(subject, payload, { timeoutMs });
    const executionReady = () =>
      until(async () => (await request<{ ready: boolean }>(commandSubjects.execution.status, {}, 2_000)).ready, 60_000, 200).then(Boolean);
    const tradingReady = () =>
      until(async () => (await request<ReconciliationStatusAnswer>(commandSubjects.reconciliation.status, {}, 2_000)).readiness.ready, 60_000, 200).then(Boolean);
    const startBoth = async () => {
      await Promise.all([execution.running ? undefined : execution.start(READY), reconciliation.running ? undefined : reconciliation.start(READY)]);
      return (await executionReady()) && (await tradingReady());
    };
    if (!(await startBoth())) throw new Error('execution and reconciliation did not become ready at the start of the drill (see their logs)');

    const figures = new Map<CrashScenario, ScenarioFigures>(scenarios.map((item) => [item, { runs: 0, duplicateOrders: 0, missingFills: 0, reconciliationFailures: 0, ledgerMismatches: 0, stuckRuns: 0 }]));
    const intents: Intent[] = [];
    const problems: string[] = [];
    const restartToReady: number[] = [];
    const note = (scenario: CrashScenario, run: number, problem: string) => {
      problems.push(`${scenario} #${run}: ${problem}`);
      progress(`  ! ${problem}`);
    };
    const placeOrder = (intent: Intent, terms: { quantity: string; limitPrice?: string }) =>
      request<{ status: string }>(
        commandSubjects.execution.placeOrder,
        {
          intentId: intent.intentId,
          intentKind: 'manual',
          symbol: intent.symbol,
          side: 'buy',
          type: terms.limitPrice ? 'limit' : 'market',
          quantity: terms.quantity,
          ...(terms.limitPrice ? { limitPrice: terms.limitPrice, timeInForce: 'gtc' } : { timeInForce: 'day' }),
          actor: ACTOR,
        },
        8_000,
      );
    const orderStatus = async (orderId: string) => (await request<{ status: string }>(commandSubjects.execution.getOrder, { orderId }, 3_000)).status;

    const schedule = Array.from({ length: options.runsPerPoint }, () => scenarios).flat();
    for (const [index, scenario] of schedule.entries()) {
      const run = Math.floor(index / scenarios.length) + 1;
      const counts = figures.get(scenario)!;
      counts.runs += 1;
      const intentId = `crash-drill-${seed}-${index}`;
      const intent: Intent = { intentId, orderId: orderIdFor(intentId), symbol: SYMBOLS[index % SYMBOLS.length]!, scenario };
      intents.push(intent);
      const delayMs = random() < 0.5 ? 0 : Math.floor(random() * 40);
      const quantity = String(1 + Math.floor(random() * 9));
      let point: CrashPoint;
      let expected: string;
      const runStarted = Date.now();

      // 1. Bring an order to the dangerous point; execution kills itself there.
      try {
        if (scenario === 'after-intent-before-send' || scenario === 'after-send-before-ack') {
          point = scenario === 'after-intent-before-send' ? CRASH_POINTS.beforeSend : CRASH_POINTS.afterSend;
          expected = 'Filled';
          arm('execution', point, delayMs);
          await placeOrder(intent, { quantity }).catch(() => undefined);
        } else if (scenario === 'between-partial-fills') {
          point = CRASH_POINTS.betweenFills;
          expected = 'Filled';
          await placeOrder(intent, { quantity: '10', limitPrice: '99.50' });
          arm('execution', point, delayMs);
          await admin('/admin/quotes', { symbol: intent.symbol, bid: '99.47', ask: '99.49', ask_size: quantity });
        } else {
          point = random() < 0.5 ? CRASH_POINTS.cancelBeforeSend : CRASH_POINTS.cancelAfterSend;
          expected = 'Canceled';
          await placeOrder(intent, { quantity, limitPrice: '90' });
          arm('execution', point, delayMs);
          await request(commandSubjects.execution.cancelOrder, { orderId: intent.orderId, reason: 'crash drill', actor: ACTOR }, 8_000).catch(() => undefined);
        }
      } catch (error) {
        note(scenario, run, `could not bring the order to the crash point: ${(error as Error).message}`);
        counts.stuckRuns += 1;
        arm('execution', null);
        continue;
      }
      const died = await execution.exited(20_000);
      arm('execution', null);
      if (!died) {
        note(scenario, run, `execution did not reach crash point ${point} within 20 s`);
        counts.stuckRuns += 1;
        await execution.kill();
      }

      // 2. While it is down: the rest of a partial fill happens; reconciliation dies at a random moment too.
      if (scenario === 'between-partial-fills') {
        await admin('/admin/quotes', { symbol: intent.symbol, bid: '99.47', ask: '99.49', ask_size: String(10 - Number(quantity)) });
      }
      await admin('/admin/quotes', { symbol: intent.symbol, ...NORMAL_QUOTE });
      await sleep(Math.floor(random() * 300));
      await reconciliation.kill();
      const syncCrash = random() < 0.3 ? (random() < 0.5 ? CRASH_POINTS.syncBeforeAppend : CRASH_POINTS.reconcileBeforeAppend) : null;
      arm('reconciliation', syncCrash, Math.floor(random() * 5));

      // 3. Restart both (reconciliation possibly dying once more inside its start-up sync), then recover.
      const restartedAt = Date.now();
      const restartedAtIso = new Date(restartedAt - 1_000).toISOString();
      try {
        await Promise.all([
          execution.start(READY),
          reconciliation.start(READY).catch((error: Error) => {
            if (!syncCrash) throw error;
          }),
        ]);
        if (syncCrash) {
          await reconciliation.exited(20_000);
          arm('reconciliation', null);
          if (reconciliation.running) await reconciliation.kill();
          await reconciliation.start(READY);
        }
      } catch (error) {
        note(scenario, run, `a process did not restart: ${(error as Error).message}`);
        counts.stuckRuns += 1;
        arm('reconciliation', null);
        await startBoth().catch(() => undefined);
        continue;
      }
      const ready = (await executionReady()) && (await tradingReady());
      const readyAfterMs = Date.now() - restartedAt;
      // The figure is for a plain restart; one with a second crash inside the sync measures that crash too.
      if (ready && !syncCrash) restartToReady.push(readyAfterMs);
      if (!ready) note(scenario, run, 'trading did not become ready within 60 s of the restart');
      // A client that never saw an answer asks again, for the same intent.
      if (scenario === 'after-intent-before-send' || scenario === 'after-send-before-ack') await placeOrder(intent, { quantity }).catch(() => undefined);

      // 4. Settle: the order reaches the end it must reach.
      const settled = await until(async () => (await orderStatus(intent.orderId)) === expected, 30_000, 200);
      if (!settled) {
        const status = await orderStatus(intent.orderId).catch((error: Error) => `unreadable (${error.message})`);
        note(scenario, run, `order ${intent.orderId} is ${status}, not ${expected}, 30 s after the restart`);
        counts.stuckRuns += 1;
      }

      // 5. Reconciliation must pass; the evidence is ReconciliationPassed in the store, recorded after the restart.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const answer = await request<ReconcileAnswer>(commandSubjects.reconciliation.reconcile, { actor: ACTOR }, 30_000).catch(() => undefined);
        if (answer?.passed) break;
        await sleep(500);
      }
      const events = await store.readAll();
      const passedAfterRestart = events.some((event) => event.type === 'ReconciliationPassed' && event.recordedAt >= restartedAtIso);
      if (!passedAfterRestart) {
        counts.reconciliationFailures += 1;
        const last = await request<ReconciliationStatusAnswer>(commandSubjects.reconciliation.status, {}, 5_000).catch(() => undefined);
        note(scenario, run, `no reconciliation passed after the restart (last: ${JSON.stringify(last?.lastRun?.breaks ?? last?.lastRun?.reason ?? null)})`);
      }

      // 6. Evidence for this run from the sandbox and the store.
      const evidence = await collectEvidence(sandbox, events);
      const ownEntries = evidence.log.filter((entry) => entry.clientOrderId !== null && attemptsOf(intent.intentId).includes(entry.clientOrderId));
      const ownDuplicates = duplicateOrders(ownEntries, new Map([[intent.intentId, attemptsOf(intent.intentId)]])).count;
      const ownOrders = new Set(ownEntries.filter((entry) => entry.outcome === 'accepted' && entry.orderId).map((entry) => entry.orderId!));
      const ownMissing = missingFills(evidence.brokerFills, evidence.fills, ownOrders);
      counts.duplicateOrders += ownDuplicates;
      counts.missingFills += ownMissing.count;
      for (const problem of ownMissing.problems) note(scenario, run, problem);
      if (ownDuplicates > 0) note(scenario, run, `intent ${intent.intentId} has ${ownDuplicates + 1} accepted orders at the sandbox`);
      if (evidence.ledger.count > 0) {
        counts.ledgerMismatches += 1;
        for (const problem of evidence.ledger.problems) note(scenario, run, problem);
      }
      progress(
        `${scenario} #${run}: killed at ${point}${delayMs ? ` +${delayMs} ms` : ''}${syncCrash ? `, reconciliation also at ${syncCrash}` : ''}; ` +
          `ready ${ready ? `${(readyAfterMs / 1000).toFixed(1)} s` : 'NO'} after restart; order ${settled ? expected : 'NOT SETTLED'}; ` +
          `reconciliation ${passedAfterRestart ? 'passed' : 'FAILED'}; ${((Date.now() - runStarted) / 1000).toFixed(1)} s`,
      );
    }

    // The whole drill, once more from the final state of both sides.
    const events = await store.readAll();
    const evidence = await collectEvidence(sandbox, events);
    const totals: ScenarioFigures = { runs: 0, duplicateOrders: 0, missingFills: 0, reconciliationFailures: 0, ledgerMismatches: 0, stuckRuns: 0 };
    for (const item of figures.values()) for (const key of Object.keys(totals) as Array<keyof ScenarioFigures>) totals[key] += item[key];
    const allDuplicates = duplicateOrders(evidence.log, new Map(intents.map((intent) => [intent.intentId, attemptsOf(intent.intentId)])));
    const allOrders = new Set(evidence.log.filter((entry) => entry.origin === 'api' && entry.outcome === 'accepted' && entry.orderId).map((entry) => entry.orderId!));
    const allMissing = missingFills(evidence.brokerFills, evidence.fills, allOrders);
    totals.duplicateOrders = Math.max(totals.duplicateOrders, allDuplicates.count);
    totals.missingFills = Math.max(totals.missingFills, allMissing.count);
    for (const problem of [...allDuplicates.problems, ...allMissing.problems, ...evidence.ledger.problems]) if (!problems.includes(problem)) problems.push(problem);
    if (evidence.ledger.count > 0 && totals.ledgerMismatches === 0) totals.ledgerMismatches = 1;

    const checks = [
      { name: 'no duplicate orders (sandbox order log)', passed: totals.duplicateOrders === 0, detail: `${evidence.log.filter((entry) => entry.origin === 'api' && entry.outcome === 'accepted').length} accepted orders for ${intents.length} intents` },
      { name: 'no missing fills (sandbox fills vs event store)', passed: totals.missingFills === 0, detail: `${evidence.brokerFills.length} fills at the sandbox, ${evidence.fills.size} in the store` },
      { name: 'ledger equals broker positions', passed: totals.ledgerMismatches === 0, detail: evidence.ledger.count === 0 ? 'every symbol agrees' : evidence.ledger.problems.join('; ') },
      { name: 'reconciliation passed after every restart', passed: totals.reconciliationFailures === 0, detail: `${totals.runs - totals.reconciliationFailures} of ${totals.runs}` },
      { name: 'every run reached its crash point and settled', passed: totals.stuckRuns === 0, detail: `${totals.runs - totals.stuckRuns} of ${totals.runs}` },
    ];
    const sorted = [...restartToReady].sort((a, b) => a - b);
    return {
      drill: 'crash-recovery',
      passed: checks.every((check) => check.passed) && totals.runs > 0,
      figures: { ...totals, restartToReadyMedianMs: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0 },
      scenarios: Object.fromEntries(figures),
      seed,
      problems: problems.slice(0, 50),
      checks,
      ...(options.keep ? { workDir } : {}),
    };
  } finally {
    for (const item of processes.reverse()) {
      await item.stop().catch(() => undefined);
      item.close();
    }
    await store?.close().catch(() => undefined);
    await bus?.deleteEventStream().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    if (!options.keep) {
      await database.drop().catch(() => undefined);
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}

/** The client order ids an intent may use: its attempts (execution counts one up only after an attempt ended). */
function attemptsOf(intentId: string): string[] {
  return [1, 2, 3, 4, 5].map((attempt) => clientOrderIdFor(intentId, attempt));
}

async function collectEvidence(sandbox: SandboxAccess, events: readonly RecordedEvent[]) {
  const [log, brokerFills, brokerPositions] = await Promise.all([sandboxOrderLog(sandbox), sandboxFills(sandbox), sandboxPositions(sandbox)]);
  const fills = storeFills(events);
  return { log, brokerFills, fills, ledger: ledgerMismatches(storePositions(fills), brokerPositions) };
}
