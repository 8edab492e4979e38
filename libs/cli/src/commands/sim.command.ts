import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import pino from 'pino';
import { instrumentsFor, subscribeMarketData } from '@tollgate/application';
import { marketDataStreamId, type BarMessage, type QuoteMessage, type RecordedEvent } from '@tollgate/contracts';
import { nyseCalendar } from '@tollgate/domain/calendar';
import { InstrumentCatalog } from '@tollgate/domain/instrument';
import { parseRiskLimitsText } from '@tollgate/domain/risk';
import { builtinStrategies } from '@tollgate/domain/strategy';
import { DEFAULT_REGIME_MONITOR_CONFIG } from '@tollgate/domain/structural-break';
import { createEventStore, type SqlEventStore } from '@tollgate/event-store';
import { dec, deterministicId, ValidationError } from '@tollgate/kernel';
import { InProcessBus } from '@tollgate/messaging';
import {
  ActivityTracker,
  bindController,
  prepareMarket,
  renderSummary,
  Settler,
  stepThrough,
  summarizeSimulation,
  TrackedBus,
  TrackedStore,
  type SimulationMarket,
  type SimulationSource,
  type SimulationSummary,
  type StepProgress,
} from '@tollgate/simulation';
import { createLogger, type Logger } from '@tollgate/telemetry';
import { ExecutionController } from '@tollgate/services/execution/execution.controller';
import { ExecutionHandlers } from '@tollgate/services/execution/execution.handlers';
import { LedgerController } from '@tollgate/services/ledger/ledger.controller';
import { LedgerHandlers } from '@tollgate/services/ledger/ledger.handlers';
import { defaultProposalsConfig, loadProposalsConfig, type ProposalsConfig } from '@tollgate/services/proposals/proposals.config';
import { ProposalsController } from '@tollgate/services/proposals/proposals.controller';
import { ProposalsHandlers } from '@tollgate/services/proposals/proposals.handlers';
import { RegimeController } from '@tollgate/services/regime/regime.controller';
import { RegimeHandlers } from '@tollgate/services/regime/regime.handlers';
import { RiskController } from '@tollgate/services/risk/risk.controller';
import { RiskHandlers } from '@tollgate/services/risk/risk.handlers';
import { DEFAULT_SIMULATED_LIMITS_FILE } from '@tollgate/services/risk/risk.module';
import { RemoteBrokerPort } from '@tollgate/services/simulated-exchange/remote-broker-port';
import { SimulatedExchangeController } from '@tollgate/services/simulated-exchange/simulated-exchange.controller';
import { SimulatedExchangeHandlers } from '@tollgate/services/simulated-exchange/simulated-exchange.handlers';
import { SIMULATED_INITIAL_CASH } from '@tollgate/services/simulated-exchange/simulated-exchange.module';
import { CommandFailure, outputFor } from '../output';

/**
 * `tollgate sim`: the whole pipeline — market data, simulated exchange, execution, the real pre-trade
 * risk check, ledger, regime and proposals with their exit rules — in SIMULATED mode, deterministic.
 * The service handler classes run as they do in the services (their controllers serve the same
 * subjects on an in-process bus), but time is the market's and the market is stepped one event at a
 * time, each step settling before the next (libs/simulation). See docs/simulation.md.
 */
export interface SimulationOptions {
  source: SimulationSource;
  /** Strategy name (its defaults on every symbol), unless `configFile` says more. */
  strategy: string;
  configFile?: string;
  seed: number;
  auto: boolean;
  out: string;
  /** Replace an earlier simulation in `out`. */
  overwrite?: boolean;
  /** Keep only the first N trading days of a CSV. */
  days?: number;
  limitsFile?: string;
  onProgress?: (progress: StepProgress) => void;
}

export interface SimulationResult {
  summary: SimulationSummary;
  summaryFile: string;
  storeDir: string;
  exportFile: string;
  logFile: string;
}

const ACCOUNT = 'default';
const LONG_MS = 600_000;

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const out = resolve(options.out);
  const limitsFile = options.limitsFile ?? DEFAULT_SIMULATED_LIMITS_FILE;
  checkLimitsFile(limitsFile);
  prepareOutput(out, options.overwrite ?? false);
  const calendar = nyseCalendar();
  const tickCatalog = new InstrumentCatalog(instrumentsFor(options.source.kind === 'synthetic' ? options.source.symbols : ['SPY']));
  let market = await prepareMarket(options.source, { calendar, tickSize: (symbol) => dec(tickCatalog.find(symbol)?.tickSize ?? '0.01') });
  if (options.days !== undefined && options.source.kind === 'csv') market = firstTradingDays(market, options.days, calendar);
  if (market.events.length === 0) throw new CommandFailure('the market data held no valid tick to simulate');
  const daily = market.barInterval === '1d';
  const config = proposalsConfigFor(options, market.symbols, daily ? 'gtc' : 'day');
  const instruments = instrumentsFor(market.symbols);
  const logFile = join(out, 'sim.log');
  const logger = createLogger({ serviceName: 'tollgate-sim', level: process.env.TOLLGATE_LOG_LEVEL ?? 'info', destination: pino.destination({ dest: logFile, sync: true, mkdir: true }) });

  const tracker = new ActivityTracker();
  const sqlStore = await createEventStore({ dataDir: out });
  const store = new TrackedStore(sqlStore, tracker);
  const bus = new TrackedBus(new InProcessBus({ requestTimeoutMs: LONG_MS, logger }), tracker);
  const system = compose({ store, bus, logger, instruments, config, seed: options.seed, limitsFile, symbols: market.symbols });
  const settler = new Settler(tracker, store, [() => system.regime.idle, () => system.proposals.idle]);
  try {
    await start(system, bus, market);
    // Auto-mode is turned on as an admin would, through the risk service (at the market's first instant).
    if (options.auto) await enableAutoMode(system);
    await settler.settle();
    const stepper = {
      bus,
      recordBar: (bar: BarMessage) => recordBar(store, bar, market.feed, market.barInterval),
      quoteHandlers: [(quote: QuoteMessage) => system.proposals.onQuote(quote)],
      barHandlers: [(bar: BarMessage) => system.regime.onBar(bar), (bar: BarMessage) => system.proposals.onBar(bar)],
      settle: () => settler.settle(),
    };
    await stepThrough(market.events, stepper, options.onProgress);
    await settler.settle();

    const events = await readAll(sqlStore);
    const positions = system.ledger.positions();
    const summary = summarizeSimulation(events, {
      run: {
        mode: 'SIMULATED',
        feed: market.feed,
        symbols: market.symbols,
        barInterval: market.barInterval,
        derivedQuotes: market.derivedQuotes,
        strategies: config.strategies.map((strategy) => ({ name: strategy.definition.name, version: strategy.version.version })),
        seed: options.seed,
        auto: options.auto,
        timeInForce: config.timeInForce,
        from: market.firstAt,
        to: market.lastAt,
        bars: market.events.filter((event) => event.kind === 'bar').length,
        quotes: market.events.filter((event) => event.kind === 'quote').length,
        rejectedTicks: market.rejected as Record<string, number>,
      },
      ledger: { initialCash: positions.account.initialCash, equity: positions.account.equity, totals: positions.totals },
      statistics: { refused: system.proposals.statistics.refused, skipped: system.proposals.statistics.skipped, autoDeclined: system.proposals.statistics.autoDeclined },
    });
    const summaryFile = join(out, 'summary.json');
    writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    const exportFile = join(out, 'events.jsonl');
    await sqlStore.exportTo(exportFile);
    return { summary, summaryFile, storeDir: out, exportFile, logFile };
  } finally {
    await stop(system);
    await bus.close();
    await sqlStore.close();
    logger.flush();
  }
}

// ---- the system ---------------------------------------------------------------------------------

interface SimulatedSystem {
  exchange: SimulatedExchangeHandlers;
  execution: ExecutionHandlers;
  risk: RiskHandlers;
  ledger: LedgerHandlers;
  regime: RegimeHandlers;
  proposals: ProposalsHandlers;
  broker: RemoteBrokerPort;
  logger: Logger;
}

function compose(input: {
  store: TrackedStore;
  bus: TrackedBus;
  logger: Logger;
  instruments: ReturnType<typeof instrumentsFor>;
  config: ProposalsConfig;
  seed: number;
  limitsFile: string;
  symbols: string[];
}): SimulatedSystem {
  const { store, bus, logger, instruments } = input;
  const broker = new RemoteBrokerPort(bus, { timeoutMs: LONG_MS });
  const exchange = new SimulatedExchangeHandlers(store, bus, logger, { accountId: ACCOUNT, seed: input.seed, fillModel: {}, instruments, initialCash: SIMULATED_INITIAL_CASH });
  const risk = new RiskHandlers(store, bus, logger, {
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    instruments,
    seedLimitsFile: input.limitsFile,
    emergencyStop: { cancelWaitMs: 10_000, deadlineMs: 120_000, pollMs: 25 },
    faults: {},
  });
  const execution = new ExecutionHandlers(store, bus, logger, broker, {
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    dryRun: false,
    riskService: 'required',
    riskTimeoutMs: LONG_MS,
    instruments,
    resumeWindowMs: 60_000,
    // Fills arrive as the exchange's updates; a wall-clock sweep would only reorder them.
    fillSweepIntervalMs: 2_147_483_647,
    lookupBackoffMs: { first: 100, max: 5_000 },
    maxResends: 3,
    readyWaitMs: LONG_MS,
  });
  const ledger = new LedgerHandlers(store, bus, logger, { accountId: ACCOUNT, venue: 'simulated', equityPointIntervalMs: 60_000, equityPointsKept: 10_000 });
  const regime = new RegimeHandlers(store, logger, { symbols: input.symbols, monitor: DEFAULT_REGIME_MONITOR_CONFIG });
  const proposals = new ProposalsHandlers(store, bus, logger, {
    accountId: ACCOUNT,
    mode: 'SIMULATED',
    config: input.config,
    instruments,
    executionTimeoutMs: LONG_MS,
    expirySweepIntervalMs: 0,
    maxQuoteAgeMs: 60_000,
    readYourWritesTimeoutMs: LONG_MS,
  });
  return { exchange, execution, risk, ledger, regime, proposals, broker, logger };
}

/** Serves every controller on the bus, starts each service as Nest would, and waits for execution's start-up recovery. */
async function start(system: SimulatedSystem, bus: TrackedBus, market: SimulationMarket): Promise<void> {
  // Every clock starts at the market's first instant, so what services record at start carries market time.
  const first = market.firstAt!;
  for (const clock of [system.exchange.clock, system.execution.clock, system.risk.projection.clock, system.proposals.clock]) clock.observe(first);
  // Requests and answers exactly as the services serve them; market data wired below, in a fixed order.
  await bindController(bus, new SimulatedExchangeController(system.exchange), { service: 'simulated-exchange', marketData: false });
  await bindController(bus, new ExecutionController(system.execution), { service: 'execution', marketData: false });
  await bindController(bus, new RiskController(system.risk), { service: 'risk', marketData: false });
  await bindController(bus, new LedgerController(system.ledger), { service: 'ledger', marketData: false });
  await bindController(bus, new RegimeController(system.regime), { service: 'regime', marketData: false });
  await bindController(bus, new ProposalsController(system.proposals), { service: 'proposals', marketData: false });
  await system.broker.connect();
  await system.exchange.onApplicationBootstrap();
  await system.risk.onApplicationBootstrap();
  await system.ledger.onApplicationBootstrap();
  await system.execution.onApplicationBootstrap();
  await system.regime.onApplicationBootstrap();
  await system.proposals.onApplicationBootstrap();
  // The venue and the books take market data from the bus, the venue first: it matches on the tick
  // before anything that reacts to the tick runs. Regime and proposals are called by the stepper.
  const { exchange, execution, risk, ledger, logger } = system;
  await subscribeMarketData(bus, { onQuote: (quote) => exchange.onQuote(quote), onBar: (bar) => exchange.onBar(bar) }, logger);
  await subscribeMarketData(bus, { onQuote: (quote) => execution.onQuote(quote) }, logger);
  await subscribeMarketData(bus, { onQuote: (quote) => risk.onQuote(quote) }, logger);
  await subscribeMarketData(bus, { onQuote: (quote) => ledger.onQuote(quote), onBar: (bar) => ledger.onBar(bar) }, logger);
  const deadline = Date.now() + LONG_MS;
  while (!system.execution.status().ready) {
    if (Date.now() > deadline) throw new Error('execution did not finish its start-up recovery');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function enableAutoMode(system: SimulatedSystem): Promise<void> {
  const state = await system.risk.autoModeOn({ reason: 'tollgate sim --auto', actor: 'user:simulation', role: 'admin' });
  if (state.status !== 'on') throw new CommandFailure(`auto-mode could not be turned on: ${JSON.stringify(state)}`);
}

async function stop(system: SimulatedSystem): Promise<void> {
  await system.proposals.beforeApplicationShutdown().catch(() => undefined);
  await system.execution.beforeApplicationShutdown().catch(() => undefined);
  await system.risk.beforeApplicationShutdown().catch(() => undefined);
  await system.ledger.beforeApplicationShutdown().catch(() => undefined);
  await system.exchange.beforeApplicationShutdown().catch(() => undefined);
}

// ---- inputs and outputs -------------------------------------------------------------------------

function prepareOutput(out: string, overwrite: boolean): void {
  const previous = ['pgdata', 'summary.json', 'events.jsonl', 'sim.log'].filter((name) => existsSync(join(out, name)));
  if (previous.length > 0) {
    if (!overwrite) throw new CommandFailure(`--out ${out} already holds a simulation (${previous.join(', ')}); choose another directory or pass --overwrite`);
    for (const name of previous) rmSync(join(out, name), { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  if (readdirSync(out).some((name) => name === 'pgdata')) throw new CommandFailure(`--out ${out}: its store could not be removed`);
}

/** The risk service would log a bad limits file and deny every order; a simulation says so before it starts. */
function checkLimitsFile(file: string): void {
  if (!existsSync(file)) throw new CommandFailure(`--limits ${file}: the file does not exist`);
  try {
    parseRiskLimitsText(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandFailure(`--limits ${file} was invalid: ${error.issues.join('; ')}`);
    throw error;
  }
}

function proposalsConfigFor(options: SimulationOptions, symbols: readonly string[], timeInForce: ProposalsConfig['timeInForce']): ProposalsConfig {
  try {
    // On daily bars a day order placed at the close expires before the next session: orders are gtc there.
    if (options.configFile) {
      const config = loadProposalsConfig(options.configFile, { symbols });
      return timeInForce === 'gtc' ? { ...config, timeInForce } : config;
    }
    return defaultProposalsConfig(symbols, { strategy: options.strategy, timeInForce });
  } catch (error) {
    if (error instanceof ValidationError) throw new CommandFailure(error.message);
    throw error;
  }
}

function firstTradingDays(market: SimulationMarket, days: number, calendar: ReturnType<typeof nyseCalendar>): SimulationMarket {
  const dates: string[] = [];
  const events = market.events.filter((event) => {
    const date = calendar.exchangeDate(event.kind === 'quote' ? event.quote.timestamp : event.bar.timestamp);
    if (!dates.includes(date)) {
      if (dates.length >= days) return false;
      dates.push(date);
    }
    return true;
  });
  const time = (index: number) => {
    const event = events[index];
    return event ? (event.kind === 'quote' ? event.quote.timestamp : event.bar.timestamp).toISOString() : null;
  };
  return { ...market, events, firstAt: time(0), lastAt: time(events.length - 1) };
}

/** As the market-data service records them: the bars decisions depend on, so a replay sees what the run saw. */
async function recordBar(store: TrackedStore, bar: BarMessage, feed: string, interval: string | null): Promise<void> {
  await store.append(marketDataStreamId(bar.symbol), 'any', [
    {
      id: deterministicId('tollgate.sim-bar', feed, bar.symbol, bar.timestamp),
      type: 'BarRecorded',
      data: { ...bar, interval, source: feed },
      metadata: { correlationId: `${feed}:${bar.symbol}`, causationId: null, actor: 'system:market-data' },
      occurredAt: bar.timestamp,
    },
  ]);
}

async function readAll(store: SqlEventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const batch = await store.readAll({ after: events.at(-1)?.position ?? 0, maxCount: 5_000 });
    if (batch.length === 0) return events;
    events.push(...batch);
  }
}

// ---- the command --------------------------------------------------------------------------------

interface SimCommandOptions {
  data?: string;
  synthetic?: boolean;
  days?: string;
  symbol?: string;
  symbols?: string;
  start: string;
  strategy: string;
  config?: string;
  seed: string;
  auto?: boolean;
  out: string;
  overwrite?: boolean;
  limits?: string;
}

export function register(program: Command): void {
  program
    .command('sim')
    .description('run the whole pipeline deterministically in SIMULATED mode over a CSV or the synthetic market; writes the event log and DIR/summary.json')
    .option('--data <file>', 'market data: Tollgate bars or quotes CSV, or daily bars indexed by date (date,open,high,low,close[,volume])')
    .option('--synthetic', 'the seeded synthetic market (minute bars with quotes)')
    .option('--days <n>', 'trading days: of the synthetic market (default 5), or the first N of the CSV')
    .option('--symbol <symbol>', 'the symbol of a date-indexed CSV (default SPY)')
    .option('--symbols <list>', 'symbols of the synthetic market, comma-separated (default SPY)')
    .option('--start <date>', 'first session of the synthetic market', '2024-01-02')
    .option('--strategy <name>', `strategy run on every symbol with its default parameters: ${builtinStrategies().names().join(', ')}`, 'trend')
    .option('--config <file>', 'a proposals config (strategies, sizing, expiry, exits) instead of --strategy; see config/strategies.example.json')
    .option('--seed <n>', 'seed of the synthetic market and the simulated exchange', '42')
    .option('--auto', 'turn auto-mode on (as an admin would): proposals within its rails are approved by `auto`; without it proposals expire unanswered')
    .option('--limits <file>', 'risk limits seeded at start (default config/limits.simulated.json)')
    .requiredOption('--out <dir>', 'directory for the store (PGlite), events.jsonl, summary.json and sim.log')
    .option('--overwrite', 'replace a simulation already in --out')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nTwo runs with the same inputs and seed write byte-identical summaries. Open the store afterwards with\n`TOLLGATE_DATA_DIR=DIR tollgate store verify`. See docs/simulation.md.\n')
    .action(async (flags: SimCommandOptions, command: Command) => {
      const output = outputFor(command);
      const options = simulationOptionsFrom(flags);
      const progress = process.stderr.isTTY && !output.json ? new SingleBar({ format: 'sim [{bar}] {percentage}% | {value}/{total} market events | {at}', hideCursor: true, stream: process.stderr }) : null;
      let started = false;
      const result = await runSimulation({
        ...options,
        onProgress: (step) => {
          if (!progress) return;
          if (!started) {
            progress.start(step.total, 0, { at: step.at });
            started = true;
          }
          if (step.done % 200 === 0 || step.done === step.total) progress.update(step.done, { at: step.at });
        },
      }).finally(() => progress?.stop());
      output.result(result.summary, (summary) => `${renderSummary(summary)}\nwrote ${result.summaryFile}, ${result.exportFile} and the store in ${result.storeDir} (log: ${result.logFile})`);
    });
}

function simulationOptionsFrom(flags: SimCommandOptions): SimulationOptions {
  if (Boolean(flags.data) === Boolean(flags.synthetic)) throw new CommandFailure('give either --data FILE.csv or --synthetic');
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new CommandFailure(`--seed ${flags.seed} must be a whole number ≥ 0`);
  const days = flags.days === undefined ? undefined : Number(flags.days);
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new CommandFailure(`--days ${flags.days} must be a whole number ≥ 1`);
  if (!builtinStrategies().names().includes(flags.strategy)) throw new CommandFailure(`--strategy ${flags.strategy} is not a registered strategy (known: ${builtinStrategies().names().join(', ')})`);
  const symbols = (flags.symbols ?? 'SPY').split(',').map((symbol) => symbol.trim().toUpperCase()).filter(Boolean);
  if (flags.data && !existsSync(flags.data)) throw new CommandFailure(`--data ${flags.data}: the file does not exist`);
  const source: SimulationSource = flags.data
    ? { kind: 'csv', path: flags.data, ...(flags.symbol ? { symbol: flags.symbol.toUpperCase() } : {}) }
    : { kind: 'synthetic', seed, tradingDays: days ?? 5, symbols, start: flags.start };
  return {
    source,
    strategy: flags.strategy,
    ...(flags.config ? { configFile: flags.config } : {}),
    seed,
    auto: Boolean(flags.auto),
    out: flags.out,
    overwrite: Boolean(flags.overwrite),
    ...(flags.data && days !== undefined ? { days } : {}),
    ...(flags.limits ? { limitsFile: flags.limits } : {}),
  };
}
