import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SANDBOX_PORT, startBrokerSandbox } from '@tollgate/infra/broker-sandbox/src';
import { CommandFailure, outputFor } from '../output';
import { untilSignal } from '../signals';

interface BrokerSandboxCommandOptions {
  port: string;
  host: string;
  seed: string;
  dataDir: string;
  tickMs: string;
  rateLimit: string;
  engine: string;
  initialCash: string;
  durable?: boolean;
}

export interface BrokerSandboxStarted {
  baseUrl: string;
  streamUrl: string;
  keyId: string;
  secret: string;
  accountId: string;
  dataDir: string;
  restoredRecords: number;
  engine: string;
}

function wholeNumber(value: string, option: string, minimum: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum) throw new CommandFailure(`${option} must be a whole number ≥ ${minimum}, was ${JSON.stringify(value)}`);
  return number;
}

export function renderSandboxStarted(started: BrokerSandboxStarted): string {
  return [
    `Broker sandbox (Alpaca Trading API v2) listening on ${started.baseUrl}`,
    `  trade_updates stream  ${started.streamUrl}`,
    `  state                 ${started.dataDir}${started.restoredRecords > 0 ? ` (resumed from ${started.restoredRecords} journal records)` : ''}`,
    `  matching              ${started.engine}`,
    '',
    'To trade against it (SANDBOX_PAPER):',
    `  export APCA_API_BASE_URL=${started.baseUrl}`,
    `  export APCA_API_KEY_ID=${started.keyId}`,
    `  export APCA_API_SECRET_KEY=${started.secret}`,
    '',
    'Ctrl-C stops it; its state stays in the data dir.',
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('broker-sandbox')
    .description("run a local broker that follows Alpaca's Trading API v2 and trade_updates stream, backed by the simulated exchange")
    .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_SANDBOX_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the synthetic prices and the simulated exchange', '1')
    .option('--data-dir <dir>', 'where its journal and credentials are kept across restarts', '.tollgate/broker-sandbox')
    .option('--tick-ms <ms>', 'a synthetic quote per symbol every N ms (0: only quotes fed through /admin/quotes)', '1000')
    .option('--rate-limit <n>', 'requests per minute per key before HTTP 429 (Alpaca: about 200)', '200')
    .option('--engine <name>', 'matching: simulated-exchange or top-of-book', 'simulated-exchange')
    .option('--initial-cash <amount>', 'cash of a new sandbox account', '100000')
    .option('--durable', 'fdatasync every journal record (survives a power cut, not only a crash)')
    .action(async (options: BrokerSandboxCommandOptions, command: Command) => {
      const output = outputFor(command);
      if (options.engine !== 'simulated-exchange' && options.engine !== 'top-of-book') {
        throw new CommandFailure(`--engine must be simulated-exchange or top-of-book, was ${JSON.stringify(options.engine)}`);
      }
      if (!/^\d+(\.\d+)?$/.test(options.initialCash)) throw new CommandFailure(`--initial-cash must be a decimal amount, was ${JSON.stringify(options.initialCash)}`);
      const dataDir = resolve(options.dataDir);
      let sandbox;
      try {
        sandbox = await startBrokerSandbox({
          port: wholeNumber(options.port, '--port', 0),
          host: options.host,
          seed: wholeNumber(options.seed, '--seed', 0),
          dataDir,
          tickMs: wholeNumber(options.tickMs, '--tick-ms', 0),
          rateLimit: { limit: wholeNumber(options.rateLimit, '--rate-limit', 1), windowMs: 60_000 },
          engine: options.engine,
          initialCash: options.initialCash,
          durable: options.durable ?? false,
        });
      } catch (error) {
        throw new CommandFailure(`broker sandbox did not start: ${error instanceof Error ? error.message : String(error)}`);
      }
      output.result<BrokerSandboxStarted>(
        {
          baseUrl: sandbox.baseUrl,
          streamUrl: sandbox.streamUrl,
          keyId: sandbox.keyId,
          secret: sandbox.secret,
          accountId: sandbox.accountId,
          dataDir,
          restoredRecords: sandbox.restoredRecords,
          engine: options.engine,
        },
        renderSandboxStarted,
      );
      await untilSignal();
      await sandbox.close();
    });
}
