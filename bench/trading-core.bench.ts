import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandSubjects, subjects, type EventInput } from '@tollgate/contracts';
import { nyseCalendar } from '@tollgate/domain/calendar';
import { generateSyntheticMarket, parseQuotesCsv, parseSyntheticMarketConfig } from '@tollgate/domain/market-data';
import { orderIdFor } from '@tollgate/domain/order';
import { createEventStore } from '@tollgate/event-store';
import { decString } from '@tollgate/kernel';
import { connectNatsBus, type NatsBus } from '@tollgate/messaging';
import { createLogger } from '@tollgate/telemetry';
import { createTestDatabase, NATS_TEST_URL, waitFor } from '@tollgate/testing';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import type { ExecutionStatus, PlaceOrderResponse } from '../services/execution/execution.commands';
import { hostServices } from '../services/host';
import type { LedgerUpdate } from '../services/ledger/ledger.commands';
import { LedgerHandlers } from '../services/ledger/ledger.handlers';
import type { MarketDataStatus } from '../services/market-data/market-data.commands';
import { MarketDataFeed } from '../services/market-data/market-data.handlers';
import { percentile, type BenchFigure, type BenchSuite } from './harness';

/**
 * The trading core (issue 3):
 * - pipeline throughput, one process (PGlite + in-process bus): quotes from a CSV through the market-data
 *   service (parse, tick validation, publish) to the ledger's marks, with 50 open positions, beside the raw
 *   rate of parsing the same CSV in the same run. Target ≥ 100,000 market events/s.
 * - order path latency, separate processes on PostgreSQL + NATS: an approved order placed with execution →
 *   sent to the simulated exchange → filled → the fill recorded in the ledger (its notice received), p50/p99,
 *   beside the NATS round trips that path needs, measured raw in the same run, and beside its raw floor (those
 *   round trips plus the path's three commits and one read, done raw one after another). Target p99 ≤ 25 ms.
 */
const root = join(__dirname, '..');
const logger = createLogger({ serviceName: 'bench', level: 'silent' });

export const suite: BenchSuite = {
  name: 'trading-core',
  async run({ quick, progress }) {
    const figures: BenchFigure[] = [];
    const previousLevel = process.env.TOLLGATE_LOG_LEVEL;
    process.env.TOLLGATE_LOG_LEVEL = 'error';
    try {
      figures.push(...(await pipelineThroughput(quick ? 60_000 : 250_000, progress)));
      figures.push(...(await orderPathLatency(quick ? 100 : 500, progress)));
    } finally {
      if (previousLevel === undefined) delete process.env.TOLLGATE_LOG_LEVEL;
      else process.env.TOLLGATE_LOG_LEVEL = previousLevel;
    }
    return figures;
  },
};

// ---- pipeline throughput ------------------------------------------------------------------------

const SYMBOLS = Array.from({ length: 50 }, (_, index) => `SYM${index + 1}`);

async function writeQuotesCsv(path: string, quotes: number): Promise<{ lastQuoteAt: string }> {
  const config = parseSyntheticMarketConfig({
    seed: 3,
    start: '2024-07-01',
    tradingDays: Math.ceil(quotes / (SYMBOLS.length * 4 * 390)) + 1,
    quotesPerBar: 4,
    symbols: SYMBOLS.map((symbol, index) => ({ symbol, initialPrice: String(20 + index * 7) })),
  });
  const out = createWriteStream(path);
  out.write('timestamp,symbol,bid,ask,bid_size,ask_size\n');
  let written = 0;
  let lastQuoteAt = '';
  for (const event of generateSyntheticMarket(config, nyseCalendar())) {
    if (event.kind !== 'quote') continue;
    const { quote } = event;
    lastQuoteAt = quote.timestamp.toISOString();
    if (!out.write(`${lastQuoteAt},${quote.symbol},${decString(quote.bid)},${decString(quote.ask)},${decString(quote.bidSize)},${decString(quote.askSize)}\n`)) {
      await once(out, 'drain');
    }
    if (++written >= quotes) break;
  }
  out.end();
  await once(out, 'finish');
  return { lastQuoteAt };
}

async function seedOpenPositions(dataDir: string): Promise<void> {
  const store = await createEventStore({ dataDir });
  try {
    for (const [index, symbol] of SYMBOLS.entries()) {
      const orderId = randomUUID();
      const event: EventInput = {
        id: randomUUID(),
        type: 'OrderFilled',
        data: {
          orderId,
          clientOrderId: `seed-${index}`,
          fillId: `seed-fill-${index}`,
          symbol,
          side: index % 2 === 0 ? 'buy' : 'sell',
          quantity: '100',
          price: String(20 + index * 7),
          fee: '1',
          liquidity: 'taker',
          filledAt: '2024-07-01T13:35:00.000Z',
        },
        metadata: { correlationId: orderId, causationId: null, actor: 'system:bench' },
        occurredAt: '2024-07-01T13:35:00.000Z',
      };
      await store.append(`order-${orderId}`, 'no-stream', [event]);
    }
  } finally {
    await store.close();
  }
}

async function pipelineThroughput(quotes: number, progress: (message: string) => void): Promise<BenchFigure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-bench-core-'));
  const csv = join(directory, 'quotes.csv');
  const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };
  delete process.env.NATS_URL;
  delete process.env.DATABASE_URL;
  try {
    progress(`writing ${quotes.toLocaleString('en-US')} synthetic quotes of ${SYMBOLS.length} symbols to a CSV`);
    await writeQuotesCsv(csv, quotes);

    progress('raw CSV parse (papaparse + row checks + decimals), same file');
    const parseStart = process.hrtime.bigint();
    let parsed = 0;
    for await (const _quote of parseQuotesCsv(createReadStream(csv), { source: 'quotes.csv' })) parsed += 1;
    const parseSeconds = Number(process.hrtime.bigint() - parseStart) / 1e9;

    progress('pipeline: market-data (CSV at full speed, validated, published) → ledger marks, 50 open positions, PGlite + in-process bus');
    await seedOpenPositions(join(directory, 'data'));
    const system = await hostServices({
      names: ['market-data', 'ledger'],
      config: { dataDir: join(directory, 'data'), marketData: csv, speed: 'max', symbols: SYMBOLS },
    });
    try {
      const feed = system.app.get(MarketDataFeed, { strict: false });
      const ledger = system.app.get(LedgerHandlers, { strict: false });
      const open = ledger.positions().positions.filter((position) => position.quantity !== '0').length;
      if (open !== SYMBOLS.length) throw new Error(`the ledger held ${open} open positions, expected ${SYMBOLS.length}`);
      await feed.finished();
      const status: MarketDataStatus = feed.status();
      if (status.state !== 'finished') throw new Error(`the feed ${status.state}: ${status.failure ?? ''}`);
      await waitFor(() => ledger.marketDataReceived >= status.published.quotes, { timeoutMs: 60_000, intervalMs: 2, what: 'the ledger to take every quote' });
      const endedAt = Date.now();
      const seconds = (endedAt - Date.parse(status.startedAt!)) / 1_000;
      const rejected = Object.values(status.rejected).reduce((total, count) => total + (count ?? 0), 0);
      if (status.accepted !== parsed || rejected > 0) throw new Error(`the feed accepted ${status.accepted} of ${parsed} quotes (${rejected} rejected)`);
      const valued = ledger.positions();
      if (valued.unmarked.length > 0) throw new Error(`positions without a mark after the run: ${valued.unmarked.join(', ')}`);
      return [
        {
          name: `pipeline: CSV → market data → ledger marks, 50 open positions (${parsed.toLocaleString('en-US')} quotes, one process)`,
          value: status.accepted / seconds,
          unit: 'events/s',
          baseline: { name: 'raw CSV parse of the same file', value: parsed / parseSeconds },
          higherIsBetter: true,
          target: { valueAtLeast: 100_000 },
        },
      ];
    } finally {
      await system.close();
    }
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
    rmSync(directory, { recursive: true, force: true });
  }
}

// ---- order path latency -------------------------------------------------------------------------

async function rawRoundTrips(samples: number, namespace: string): Promise<number[]> {
  const server: NatsConnection = await connect({ servers: NATS_TEST_URL });
  const client: NatsConnection = await connect({ servers: NATS_TEST_URL });
  const subject = `${namespace}.bench.rtt`;
  const subscription = server.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await server.flush();
  const payload = new TextEncoder().encode(JSON.stringify({ intentId: randomUUID(), symbol: 'AAPL', side: 'buy', quantity: '1', actor: 'user:bench' }));
  const times: number[] = [];
  try {
    for (let index = 0; index < samples + 50; index += 1) {
      const start = process.hrtime.bigint();
      await client.request(subject, payload, { timeout: 2_000 });
      if (index >= 50) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    subscription.unsubscribe();
    await Promise.all([server.close(), client.close()]);
  }
  return times;
}

/**
 * The order path's round trips done raw, one after another, on the same servers: two NATS request/replies
 * (its four one-way legs), three one-row INSERT commits (intent + submit, the exchange's events, the fill)
 * and one keyed read (the ledger's read of the fill). What the path would take if the services added nothing.
 */
async function rawFloor(samples: number, namespace: string, databaseUrl: string): Promise<number[]> {
  const server: NatsConnection = await connect({ servers: NATS_TEST_URL });
  const client: NatsConnection = await connect({ servers: NATS_TEST_URL });
  const database = new Client({ connectionString: databaseUrl });
  await database.connect();
  const subject = `${namespace}.bench.floor`;
  const subscription = server.subscribe(subject, { callback: (_error, message) => message.respond(message.data) });
  await server.flush();
  await database.query('CREATE TABLE bench_order_path_floor (id bigserial PRIMARY KEY, body text NOT NULL)');
  const body = JSON.stringify({ intentId: randomUUID(), symbol: 'SPY', side: 'buy', quantity: '1', actor: 'user:bench' });
  const payload = new TextEncoder().encode(body);
  const times: number[] = [];
  try {
    for (let index = 0; index < samples + 50; index += 1) {
      const start = process.hrtime.bigint();
      await client.request(subject, payload, { timeout: 2_000 });
      let id = '0';
      for (let commit = 0; commit < 3; commit += 1) {
        id = (await database.query<{ id: string }>('INSERT INTO bench_order_path_floor (body) VALUES ($1) RETURNING id', [body])).rows[0]!.id;
      }
      await database.query('SELECT id, body FROM bench_order_path_floor WHERE id >= $1 ORDER BY id LIMIT 10', [id]);
      await client.request(subject, payload, { timeout: 2_000 });
      if (index >= 50) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    subscription.unsubscribe();
    await Promise.all([server.close(), client.close(), database.end()]);
  }
  return times;
}

async function orderPathLatency(samples: number, progress: (message: string) => void): Promise<BenchFigure[]> {
  const namespace = `bench_core_${randomBytes(4).toString('hex')}`;
  const database = await createTestDatabase('tollgate_bench_core');
  const children: ChildProcess[] = [];
  let bus: NatsBus | undefined;
  const env = {
    ...process.env,
    NATS_URL: NATS_TEST_URL,
    TOLLGATE_NATS_NAMESPACE: namespace,
    DATABASE_URL: database.url,
    TOLLGATE_SPEED: '600',
    TOLLGATE_RISK_SERVICE: 'absent',
    // Marketable orders fill against the standing quote at once: the figure is the system's, not the fill model's latency.
    TOLLGATE_SIM_FILL_MODEL: JSON.stringify({ latencyMs: 0 }),
    TOLLGATE_LOG_LEVEL: 'error',
  };
  try {
    progress('starting market-data, simulated-exchange, execution and ledger as separate processes (PostgreSQL + NATS)');
    for (const name of ['simulated-exchange', 'ledger', 'execution', 'market-data']) {
      children.push(spawn(process.execPath, [join(root, 'bin/tollgate.js'), 'service', name], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    bus = await connectNatsBus({ url: NATS_TEST_URL, namespace, logger });
    const ready = bus;
    await waitFor(() => ready.request<ExecutionStatus>(commandSubjects.execution.status, {}, { timeoutMs: 1_000 }).then((status) => status.ready, () => false), {
      timeoutMs: 120_000,
      intervalMs: 250,
      what: 'execution to be ready',
    });
    await waitFor(() => ready.request<MarketDataStatus>(commandSubjects.marketData.status, {}, { timeoutMs: 1_000 }).then((status) => status.published.quotes > 100, () => false), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'quotes to flow',
    });

    const recorded = new Map<string, () => void>();
    await bus.subscribe<LedgerUpdate>(subjects.ledgerUpdates, (update) => {
      if (update.orderId) recorded.get(update.orderId)?.();
    });
    await bus.flush();

    progress(`order path: ${samples} market orders of 1 share one at a time, approved → exchange → fill → ledger`);
    const latencies: number[] = [];
    const warmup = 20;
    for (let index = 0; index < samples + warmup; index += 1) {
      const intentId = `bench-${namespace}-${index}`;
      // The order id derives from the intent, so the ledger's notice can be awaited before the order is sent.
      const orderId = orderIdFor(intentId);
      const inLedger = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`order ${orderId} did not reach the ledger within 10 s`)), 10_000);
        recorded.set(orderId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const start = process.hrtime.bigint();
      const placed = await bus.request<PlaceOrderResponse>(
        commandSubjects.execution.placeOrder,
        { intentId, intentKind: 'proposal', strategy: 'bench', autoApproved: true, actor: 'auto', symbol: 'SPY', side: index % 2 === 0 ? 'buy' : 'sell', quantity: '1' },
        { timeoutMs: 10_000 },
      );
      if (placed.status === 'Denied' || placed.status === 'Rejected') throw new Error(`order ${orderId} was ${placed.status}: ${placed.reasons?.join('; ') ?? ''}`);
      await inLedger;
      recorded.delete(orderId);
      if (index >= warmup) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }

    progress(`raw NATS request/reply, ${samples} round trips one at a time (same server, same run)`);
    const rtt = await rawRoundTrips(samples, namespace);
    progress(`raw floor of the path: 2 NATS round trips + 3 one-row commits + 1 read, ${samples} times one at a time (same servers, same run)`);
    const floor = await rawFloor(samples, namespace, database.url);
    // On the critical path: bench → execution (½), execution → exchange (½), the exchange's fill update →
    // execution (½; execution records a fill without waiting for the submit's reply), ledger → bench (½).
    const roundTrips = 2;
    const latency = (name: string, value: number, baseline: number, target?: BenchFigure['target']): BenchFigure => ({
      name,
      value,
      unit: 'ms',
      baseline: { name: `${roundTrips} raw NATS round trips (the path's NATS legs)`, value: baseline },
      higherIsBetter: false,
      ...(target ? { target } : {}),
    });
    return [
      latency('order path approved → exchange → fill in ledger p50 (PostgreSQL + NATS, 4 processes)', percentile(latencies, 50), roundTrips * percentile(rtt, 50)),
      latency('order path approved → exchange → fill in ledger p99 (PostgreSQL + NATS, 4 processes)', percentile(latencies, 99), roundTrips * percentile(rtt, 99), { valueAtMost: 25 }),
      ...[50, 99].map((p) => ({
        name: `order path p${p} against the same round trips done raw (2 NATS round trips + 3 one-row commits + 1 read)`,
        value: percentile(latencies, p),
        unit: 'ms',
        baseline: { name: `raw floor of the path p${p}`, value: percentile(floor, p) },
        higherIsBetter: false,
      })),
    ];
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await bus?.deleteEventStream().catch(() => undefined);
    await bus?.close();
    await database.drop();
  }
}
