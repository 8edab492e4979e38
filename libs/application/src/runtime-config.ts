import { z } from 'zod';
import { ValidationError } from '@tollgate/kernel';
import { describeIssues, simulatedFillModel, TICKER_PATTERN, tradingMode } from '@tollgate/contracts';

/**
 * What a Tollgate process is told at start: from the environment, overridden by CLI flags.
 * Validated whole; a bad value is refused naming the key.
 */
const runtimeConfigObject = z
  .object({
    mode: tradingMode.default('SIMULATED'),
    /** Everything runs up to the broker call, which is replaced by an OrderWouldBeSent event. */
    dryRun: z.boolean().default(false),
    /** Unset → embedded PGlite in dataDir. */
    databaseUrl: z.string().url().optional(),
    dataDir: z.string().min(1).default('./.tollgate'),
    /** Unset → the in-process bus. */
    natsUrl: z.string().optional(),
    accountId: z.string().min(1).default('default'),
    /** Seed for the synthetic market and the simulated exchange: same seed, same run. */
    seed: z.number().int().nonnegative().default(42),
    symbols: z.array(z.string().regex(TICKER_PATTERN)).min(1).default(['SPY', 'QQQ', 'AAPL', 'MSFT']),
    /**
     * Market-data source: `synthetic`, a CSV file of bars or quotes, or `broker` (the broker's Market Data
     * API, polled in real time). Unset: `synthetic` in SIMULATED, `broker` in SANDBOX_PAPER and LIVE — there
     * the prices must be the ones orders execute against, on the broker's clock.
     */
    marketData: z.string().min(1).optional(),
    /** Replay speed multiplier for CSV and synthetic time (1 = recorded speed), or `max`: as fast as it goes. A broker source is live: no speed applies. */
    speed: z.union([z.number().positive(), z.literal('max')]).default(60),
    /** How often the broker source asks for the latest quotes (ms); Alpaca's basic data plan allows about 200 requests a minute. */
    marketDataPollMs: z.number().int().min(100).max(60_000).default(1_000),
    /** Length of the bars the broker source builds from its quotes: whole seconds, minutes or hours (`30s`, `1m`, `1h`). */
    barInterval: z.string().regex(/^[1-9]\d*[smh]$/, 'must be a length like "1m", "30s" or "1h"').default('1m'),
    httpPort: z.number().int().min(0).max(65535).default(8080),
    autoMode: z.boolean().default(false),
    /** Broker sandbox or Alpaca endpoint for SANDBOX_PAPER / LIVE. */
    brokerBaseUrl: z.string().url().optional(),
    /**
     * Whether execution must ask the risk service before sending. Unset: required when a risk service is
     * registered, and in every mode but SIMULATED. `absent` is refused outside SIMULATED.
     */
    riskService: z.enum(['required', 'absent']).optional(),
    /** Settings of the simulated exchange's fill model that differ from its defaults (used when it opens its account). */
    simulatedFillModel: simulatedFillModel.partial().default({}),
  })
  .strict();

export const runtimeConfigSchema = runtimeConfigObject.transform((config) => ({
  ...config,
  marketData: config.marketData ?? (config.mode === 'SIMULATED' ? 'synthetic' : 'broker'),
}));

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
export type RuntimeConfigInput = z.input<typeof runtimeConfigSchema>;

/** Reads TOLLGATE_* (and DATABASE_URL, NATS_URL, APCA_API_BASE_URL) then applies overrides. */
export function loadRuntimeConfig(overrides: RuntimeConfigInput = {}, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const fromEnv: Record<string, unknown> = {
    mode: env.TOLLGATE_MODE,
    dryRun: env.TOLLGATE_DRY_RUN === undefined ? undefined : ['1', 'true', 'yes'].includes(env.TOLLGATE_DRY_RUN.toLowerCase()),
    databaseUrl: nonEmpty(env.DATABASE_URL),
    dataDir: nonEmpty(env.TOLLGATE_DATA_DIR),
    natsUrl: nonEmpty(env.NATS_URL),
    accountId: nonEmpty(env.TOLLGATE_ACCOUNT_ID),
    seed: env.TOLLGATE_SEED === undefined ? undefined : Number(env.TOLLGATE_SEED),
    symbols: env.TOLLGATE_SYMBOLS?.split(',').map((symbol) => symbol.trim()).filter(Boolean),
    marketData: nonEmpty(env.TOLLGATE_MARKET_DATA),
    httpPort: env.TOLLGATE_HTTP_PORT === undefined ? undefined : Number(env.TOLLGATE_HTTP_PORT),
    brokerBaseUrl: nonEmpty(env.APCA_API_BASE_URL),
    riskService: nonEmpty(env.TOLLGATE_RISK_SERVICE),
    simulatedFillModel: jsonOf(env.TOLLGATE_SIM_FILL_MODEL, 'TOLLGATE_SIM_FILL_MODEL'),
    speed: env.TOLLGATE_SPEED === undefined ? undefined : env.TOLLGATE_SPEED === 'max' ? 'max' : Number(env.TOLLGATE_SPEED),
    marketDataPollMs: env.TOLLGATE_MARKET_DATA_POLL_MS === undefined ? undefined : Number(env.TOLLGATE_MARKET_DATA_POLL_MS),
    barInterval: nonEmpty(env.TOLLGATE_BAR_INTERVAL),
  };
  const merged = { ...stripUndefined(fromEnv), ...stripUndefined(overrides as Record<string, unknown>) };
  const parsed = runtimeConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ValidationError('configuration', describeIssues(parsed.error));
  return parsed.data;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}

function jsonOf(value: string | undefined, name: string): unknown {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError('configuration', [`${name}: was not JSON (${(error as Error).message})`]);
  }
}

function stripUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The Nest injection token under which every service finds the RuntimeConfig. */
export const RUNTIME_CONFIG = Symbol('tollgate:runtime-config');

/**
 * A service's own timing setting from the environment (e.g. TOLLGATE_BROKER_TIMEOUT_MS): unset → undefined
 * (the caller's default); anything but a whole number of milliseconds ≥ 100 is refused, naming the variable.
 */
export function millisecondsFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 100) throw new ValidationError('configuration', [`${name}: must be a whole number of milliseconds ≥ 100, was ${JSON.stringify(text)}`]);
  return value;
}
