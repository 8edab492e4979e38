import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deterministicId } from '@tollgate/kernel';
import { FileJournal, MemoryJournal, type Journal } from './journal';
import { TopOfBookEngine, type MatchingEngine } from './matching-engine';
import { SyntheticPriceSource } from './price-source';
import { SimulatedExchangeEngine } from './simulated-exchange-engine';
import { SandboxServer, type SandboxIdentity } from './server';
import { SandboxVenue } from './venue';

export { SandboxVenue, AlpacaApiFailure, type TradeUpdate } from './venue';
export { SandboxServer, type SandboxIdentity } from './server';
export { marketDataRoute, type MarketDataReply } from './market-data-routes';
export { TopOfBookEngine, type MatchingEngine, type EngineOrder, type EngineOutcome, type SandboxQuote } from './matching-engine';
export { SyntheticPriceSource, seededRandom } from './price-source';
export { SimulatedExchangeEngine } from './simulated-exchange-engine';
export { FileJournal, MemoryJournal, type Journal } from './journal';
export type { FaultRule, FaultAction } from './faults';
export type { SandboxRecord, OrderState, FillActivity } from './book';

export interface BrokerSandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  seed?: number;
  /** Where the journal and the sandbox's credentials live; absent: in memory, gone at exit. */
  dataDir?: string | null;
  keyId?: string;
  secret?: string;
  initialCash?: string;
  /** Alpaca allows about 200 requests a minute per key. */
  rateLimit?: { limit: number; windowMs: number };
  /** The Market Data API's own limit (Alpaca's basic data plan: about 200 a minute); default: as `rateLimit`. */
  dataRateLimit?: { limit: number; windowMs: number };
  /** Synthetic quote every N ms; 0 = only quotes fed through /admin/quotes. */
  tickMs?: number;
  /** fdatasync every journal record (slower; survives a power cut, not only a process kill). */
  durable?: boolean;
  /**
   * What decides executions: the simulated exchange (default), the plain top-of-book engine, or any
   * engine given. A data dir keeps the engine it was started with.
   */
  engine?: 'simulated-exchange' | 'top-of-book' | MatchingEngine;
}

export interface RunningBrokerSandbox {
  baseUrl: string;
  streamUrl: string;
  port: number;
  keyId: string;
  secret: string;
  accountId: string;
  journalPath: string | null;
  /** Journal records replayed at start (0 for a fresh sandbox). */
  restoredRecords: number;
  venue: SandboxVenue;
  server: SandboxServer;
  close(): Promise<void>;
}

export const DEFAULT_SANDBOX_PORT = 8787;

/**
 * Starts the broker sandbox: Alpaca's Trading API v2, the Market Data API's latest quotes and the
 * trade_updates stream on a local port, its state journaled in `dataDir` so a restart resumes where
 * it stopped.
 */
export async function startBrokerSandbox(options: BrokerSandboxOptions = {}): Promise<RunningBrokerSandbox> {
  const seed = options.seed ?? 1;
  const host = options.host ?? '127.0.0.1';
  const journal: Journal = options.dataDir ? new FileJournal(options.dataDir, options.durable ?? false) : new MemoryJournal();
  const engineName = typeof options.engine === 'object' ? 'custom' : (options.engine ?? 'simulated-exchange');
  const identity = loadIdentity(options, seed, engineName);
  const engine =
    typeof options.engine === 'object' ? options.engine : engineName === 'top-of-book' ? new TopOfBookEngine() : new SimulatedExchangeEngine(seed);
  const prices = new SyntheticPriceSource(seed);
  const venue = new SandboxVenue({
    journal,
    engine,
    prices,
    seed,
    initialCash: options.initialCash ?? '100000',
    now: () => new Date(),
  });
  const restoredRecords = venue.restore();
  const rateLimit = options.rateLimit ?? { limit: 200, windowMs: 60_000 };
  const server = new SandboxServer(venue, identity, rateLimit, options.dataRateLimit ?? rateLimit);
  const port = await server.listen(options.port ?? DEFAULT_SANDBOX_PORT, host);
  const tickMs = options.tickMs ?? 1000;
  const ticker = tickMs > 0 ? setInterval(() => venue.tick(), tickMs) : null;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    baseUrl: `http://${urlHost}:${port}`,
    streamUrl: `ws://${urlHost}:${port}/stream`,
    port,
    keyId: identity.keyId,
    secret: identity.secret,
    accountId: identity.accountId,
    journalPath: journal.path,
    restoredRecords,
    venue,
    server,
    async close() {
      if (ticker) clearInterval(ticker);
      await server.close();
      journal.close();
    },
  };
}

/**
 * The sandbox's key pair and account: given, or kept in `<dataDir>/sandbox.json` so a restarted
 * sandbox answers to the same credentials. Paper keys start with `PK` at Alpaca; so do these.
 */
function loadIdentity(options: BrokerSandboxOptions, seed: number, engine: string): SandboxIdentity {
  const file = options.dataDir ? join(options.dataDir, 'sandbox.json') : null;
  const stored = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SandboxIdentity & { engine?: string; seed?: number }) : null;
  if (stored?.engine && stored.engine !== engine) {
    throw new Error(`data dir ${options.dataDir} was started with the ${stored.engine} engine, not ${engine}: use another --data-dir`);
  }
  if (stored?.seed !== undefined && stored.seed !== seed) {
    throw new Error(`data dir ${options.dataDir} was started with seed ${stored.seed}, not ${seed}: use the same --seed or another --data-dir`);
  }
  const identity: SandboxIdentity = {
    keyId: options.keyId ?? stored?.keyId ?? `PK${randomBytes(9).toString('hex').toUpperCase()}`,
    secret: options.secret ?? stored?.secret ?? randomBytes(30).toString('base64url'),
    accountId: stored?.accountId ?? deterministicId('sandbox-account', seed),
    accountNumber: stored?.accountNumber ?? `PA${String(seed).padStart(10, '0').slice(-10)}`,
    createdAt: stored?.createdAt ?? new Date().toISOString(),
  };
  if (file && options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...identity, engine, seed }, null, 2)}\n`, { mode: 0o600 });
  }
  return identity;
}
