import type { Command } from 'commander';
import type { RuntimeConfigInput } from '@tollgate/application';
import { commandSubjects } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { BUS } from '@tollgate/nest';
import { GatewayHttpServer } from '@tollgate/services/gateway';
import { hostServices, type HostedSystem } from '@tollgate/services/host';
import type { ExecutionStatus } from '@tollgate/services/execution/execution.commands';
import type { PositionsResponse } from '@tollgate/services/ledger/ledger.commands';
import type { MarketDataStatus } from '@tollgate/services/market-data/market-data.commands';
import { CommandFailure, outputFor, type Output } from '../output';
import { untilSignal } from '../signals';

interface RunOptions {
  mode?: string;
  dryRun?: boolean;
  dataDir?: string;
  seed?: string;
  marketData?: string;
  speed?: string;
  statusEvery: string;
  untilFills?: string;
  untilEnd?: boolean;
  duration?: string;
}

interface Snapshot {
  market?: MarketDataStatus;
  execution?: ExecutionStatus;
  ledger?: PositionsResponse;
}

/**
 * `tollgate run` (what `npm start` runs): every service in one process on the embedded store (PGlite in
 * the data directory) and the in-process bus — SIMULATED mode on the synthetic market unless told
 * otherwise. It prints a status line every few seconds (one JSON object per line with --json) and, when
 * the gateway runs, where its dashboard and API are; `tollgate order …` trades through that API.
 */
export function register(program: Command): void {
  program
    .command('run')
    .description('run Tollgate in one process: market data, execution, ledger, risk, reconciliation and every other service (the simulated exchange in SIMULATED), on the embedded store and bus')
    .option('--mode <mode>', 'SIMULATED, SANDBOX_PAPER or LIVE (default: TOLLGATE_MODE, else SIMULATED)')
    .option('--dry-run', 'run everything up to the broker call, which records OrderWouldBeSent instead: no order leaves the process')
    .option('--data-dir <dir>', 'where the embedded store keeps its data (default: TOLLGATE_DATA_DIR, else ./.tollgate; memory:// keeps nothing)')
    .option('--seed <n>', 'seed of the synthetic market and the simulated exchange: same seed, same run (default 42)')
    .option(
      '--market-data <source>',
      "SIMULATED: 'synthetic' (default) or a CSV of bars (timestamp,symbol,open,high,low,close,volume) or quotes (timestamp,symbol,bid,ask,bid_size,ask_size) to replay; SANDBOX_PAPER and LIVE: 'broker' (default, the only one: the broker's latest quotes in real time)",
    )
    .option('--speed <n>', "replay speed (SIMULATED): 1 is recorded time, 60 a recorded minute per second, 'max' as fast as it goes (default 60)")
    .option('--status-every <seconds>', 'seconds between status lines', '5')
    .option('--until-fills <n>', 'stop once the ledger has recorded this many new fills')
    .option('--until-end', 'stop when the market data reaches its end')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--json', 'print one JSON object per line: started, status…, summary')
    .addHelpText(
      'after',
      '\nTrade with `tollgate order place --symbol AAPL --side buy --quantity 10` from another terminal (through the gateway on\n' +
        '127.0.0.1:TOLLGATE_HTTP_PORT, default 8080). The same services run as separate processes with `tollgate service NAME`\n' +
        'when NATS_URL and DATABASE_URL are set. See docs/services.md.\n',
    )
    .action(async (options: RunOptions, command: Command) => {
      const output = outputFor(command);
      const config = configFrom(options);
      const statusEverySeconds = positiveNumber('--status-every', options.statusEvery);
      const untilFills = options.untilFills === undefined ? undefined : positiveInteger('--until-fills', options.untilFills);
      const durationSeconds = options.duration === undefined ? undefined : positiveNumber('--duration', options.duration);
      // Status lines are the output; the services' logs stay at warnings unless asked for.
      process.env.TOLLGATE_LOG_LEVEL ??= 'warn';

      let system: HostedSystem;
      try {
        system = await hostServices({ config });
      } catch (error) {
        throw new CommandFailure(`Tollgate could not start: ${error instanceof Error ? error.message : String(error)}`);
      }
      const bus = system.app.get<Bus>(BUS, { strict: false });
      const dashboard = dashboardUrl(system);
      announce(output, system, dashboard);

      const baseline = (await snapshot(bus)).ledger?.fills ?? 0;
      const stop = new Promise<string>((resolve) => {
        void untilSignal().then((signal) => resolve(`stopped by ${signal}`));
        if (durationSeconds !== undefined) setTimeout(() => resolve(`ran for ${durationSeconds} s`), durationSeconds * 1_000).unref();
      });
      let reason: string | undefined;
      void stop.then((why) => (reason ??= why));
      let lastStatus = 0;
      while (reason === undefined) {
        const current = await snapshot(bus);
        const newFills = (current.ledger?.fills ?? 0) - baseline;
        if (untilFills !== undefined && newFills >= untilFills) reason = `the ledger recorded ${newFills} new fills`;
        else if (options.untilEnd && current.market && ['finished', 'failed'].includes(current.market.state)) reason = `the market data ${current.market.state === 'failed' ? 'failed' : 'reached its end'}`;
        if (reason === undefined && Date.now() - lastStatus >= statusEverySeconds * 1_000) {
          lastStatus = Date.now();
          printStatus(output, current);
        }
        if (reason === undefined) await Promise.race([stop, sleep(200)]);
      }
      const final = await snapshot(bus);
      // Closing the system closes the bus and the store it opened, after every service has stopped.
      await system.close();
      printSummary(output, reason, final);
      if (final.market?.state === 'failed') process.exitCode = 1;
    });
}

function configFrom(options: RunOptions): RuntimeConfigInput {
  const config: RuntimeConfigInput = {};
  if (options.mode !== undefined) {
    const mode = options.mode.toUpperCase().replace(/-/g, '_');
    if (!['SIMULATED', 'SANDBOX_PAPER', 'LIVE'].includes(mode)) throw new CommandFailure(`--mode ${options.mode} must be SIMULATED, SANDBOX_PAPER or LIVE`);
    config.mode = mode as RuntimeConfigInput['mode'];
  }
  if (options.dryRun) config.dryRun = true;
  if (options.dataDir !== undefined) config.dataDir = options.dataDir;
  if (options.seed !== undefined) {
    const seed = Number(options.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new CommandFailure(`--seed ${options.seed} must be a whole number ≥ 0`);
    config.seed = seed;
  }
  if (options.marketData !== undefined) config.marketData = options.marketData;
  if (options.speed !== undefined) config.speed = options.speed === 'max' ? 'max' : positiveNumber('--speed', options.speed);
  return config;
}

function positiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new CommandFailure(`${flag} ${value} must be a positive number`);
  return number;
}

function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new CommandFailure(`${flag} ${value} must be a positive whole number`);
  return number;
}

function dashboardUrl(system: HostedSystem): string | undefined {
  if (!system.services.includes('gateway')) return undefined;
  try {
    return system.app.get(GatewayHttpServer, { strict: false }).url;
  } catch {
    return undefined;
  }
}

function announce(output: Output, system: HostedSystem, dashboard: string | undefined): void {
  const { config } = system;
  const store = config.databaseUrl ? 'PostgreSQL' : `PGlite in ${config.dataDir}`;
  const bus = config.natsUrl ? `NATS ${config.natsUrl}` : 'in-process bus';
  const live = config.marketData === 'broker';
  const market = config.marketData === 'synthetic' ? `synthetic market (seed ${config.seed})` : live ? `the broker's latest quotes every ${config.marketDataPollMs} ms` : config.marketData;
  const started = { kind: 'started', mode: config.mode, dryRun: config.dryRun, store, bus, market, speed: live ? 'live' : config.speed, services: system.services, dashboard: dashboard ?? null };
  if (output.json) {
    output.result(started, () => '');
    return;
  }
  const lines = [
    `Tollgate is running: ${config.mode}${config.dryRun ? ', DRY RUN (no order leaves the process)' : ''} · ${store} · ${bus}`,
    `market: ${market}${live ? ', live' : ` at ${config.speed === 'max' ? 'full speed' : `${config.speed}×`}`} · services: ${system.services.join(', ')}`,
    ...(dashboard ? [`dashboard and API: ${dashboard}`] : []),
    `trade: tollgate order place --symbol ${config.symbols[0] ?? 'SPY'} --side buy --quantity 10   ·   Ctrl-C stops it`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function snapshot(bus: Bus): Promise<Snapshot> {
  const ask = <T>(subject: string): Promise<T | undefined> => bus.request<T>(subject, {}, { timeoutMs: 2_000 }).catch(() => undefined);
  const [market, execution, ledger] = await Promise.all([
    ask<MarketDataStatus>(commandSubjects.marketData.status),
    ask<ExecutionStatus>(commandSubjects.execution.status),
    ask<PositionsResponse>(commandSubjects.ledger.positions),
  ]);
  return { ...(market ? { market } : {}), ...(execution ? { execution } : {}), ...(ledger ? { ledger } : {}) };
}

const TERMINAL = new Set(['Denied', 'WouldBeSent', 'Rejected', 'Filled', 'Canceled', 'Expired']);

function printStatus(output: Output, current: Snapshot): void {
  const { market, execution, ledger } = current;
  const orders = execution?.orders ?? {};
  const open = Object.entries(orders)
    .filter(([status]) => !TERMINAL.has(status))
    .reduce((total, [, count]) => total + count, 0);
  const openPositions = ledger?.positions.filter((position) => position.quantity !== '0').length ?? 0;
  if (output.json) {
    output.result(
      {
        kind: 'status',
        at: new Date().toISOString(),
        marketTime: market?.marketTime ?? null,
        feed: market ? { state: market.state, accepted: market.accepted, rejected: market.rejected, stale: market.stale } : null,
        orders,
        fills: ledger?.fills ?? null,
        openPositions,
        equity: ledger?.account.equity ?? null,
        netPnl: ledger?.totals.netPnl ?? null,
      },
      () => '',
    );
    return;
  }
  const rejected = market ? Object.values(market.rejected).reduce((total, count) => total + (count ?? 0), 0) : 0;
  const parts = [
    `market ${market?.marketTime ? market.marketTime.slice(0, 16).replace('T', ' ') : '-'}${market && market.state !== 'running' ? ` (${market.state})` : ''}`,
    `ticks ${market ? `${market.accepted.toLocaleString('en-US')} ok, ${rejected} rejected` : '-'}${market?.stale.length ? `, STALE ${market.stale.join(' ')}` : ''}`,
    `orders ${open} open, ${orders.Filled ?? 0} filled${['Canceled', 'Expired', 'Denied', 'Rejected']
      .filter((status) => orders[status])
      .map((status) => `, ${orders[status]} ${status.toLowerCase()}`)
      .join('')}${orders.WouldBeSent ? `, ${orders.WouldBeSent} dry-run` : ''}`,
    `fills ${ledger?.fills ?? '-'}`,
    `positions ${openPositions}`,
    `equity ${ledger?.account.equity ?? '-'}`,
    `net P&L ${ledger?.totals.netPnl ?? '-'}`,
  ];
  process.stdout.write(`[${new Date().toTimeString().slice(0, 8)}] ${parts.join(' · ')}\n`);
}

function printSummary(output: Output, reason: string, final: Snapshot): void {
  const summary = {
    kind: 'summary',
    reason,
    marketTime: final.market?.marketTime ?? null,
    feed: final.market ? { state: final.market.state, accepted: final.market.accepted, rejected: final.market.rejected } : null,
    orders: final.execution?.orders ?? {},
    fills: final.ledger?.fills ?? null,
    positions: final.ledger?.positions ?? [],
    totals: final.ledger?.totals ?? null,
    account: final.ledger?.account ?? null,
  };
  output.result(summary, () => {
    const positions = summary.positions
      .filter((position) => position.quantity !== '0' || position.realizedPnl !== '0')
      .map((position) => `  ${position.symbol.padEnd(6)} ${position.quantity.padStart(8)} @ ${position.averagePrice}  realized ${position.realizedPnl}  unrealized ${position.unrealizedPnl}  fees ${position.fees}`);
    return [
      `Tollgate stopped: ${reason}.`,
      ...(positions.length ? ['positions:', ...positions] : ['no positions']),
      ...(summary.totals && summary.account ? [`net P&L ${summary.totals.netPnl} · equity ${summary.account.equity} · cash ${summary.account.cash}`] : []),
    ].join('\n');
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}
