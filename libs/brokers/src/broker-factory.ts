import type { BrokerPort } from '@tollgate/contracts';
import { AlpacaBroker, type AlpacaBrokerOptions } from './alpaca/alpaca-broker';
import { checkBrokerConfiguration, type BrokerConfigurationCheck, type TradingMode } from './configuration-check';
import { ALPACA_ENVIRONMENT, loadAlpacaCredentials, type Environment } from './credentials';
import { withCrashPoints } from './crash-points';

export interface BrokerFactoryInput {
  mode: TradingMode;
  dryRun: boolean;
  /** Where APCA_* are read (default process.env). */
  env?: Environment;
  /**
   * The simulated exchange's port (SIMULATED mode). It lives in a service (services/simulated-exchange,
   * reached over the bus), so the caller that can reach it hands it in.
   */
  simulated?: () => BrokerPort | Promise<BrokerPort>;
  /** Alpaca adapter settings other than the credentials (time-out, retry, throttle, name). */
  alpaca?: Omit<AlpacaBrokerOptions, 'credentials'>;
}

/** C19 refused the configuration: the problems name variables and hosts, never a key or a secret. */
export class BrokerConfigurationError extends Error {
  override name = 'BrokerConfigurationError';
  constructor(
    readonly mode: TradingMode,
    readonly check: BrokerConfigurationCheck,
  ) {
    super(`the ${mode} broker configuration was refused: ${check.problems.join('; ')}`);
  }
}

/**
 * The broker port a mode trades through: SIMULATED → the simulated exchange's port; SANDBOX_PAPER and
 * LIVE → Alpaca (the local broker sandbox or Alpaca's paper endpoint, or Alpaca live), only after
 * `checkBrokerConfiguration` (C19) accepted the environment — a dry run or a paper configuration holding
 * live credentials never gets a port. Crash points (drills only) wrap the port when armed.
 */
export async function createBrokerFor(input: BrokerFactoryInput): Promise<BrokerPort> {
  const env = effectiveEnvironment(input.env ?? process.env);
  // A simulation must not hold live credentials either (C19), though it never uses them.
  const check = checkBrokerConfiguration(input.mode, input.dryRun, env);
  if (!check.ok) throw new BrokerConfigurationError(input.mode, check);
  if (input.mode === 'SIMULATED') {
    if (!input.simulated) throw new Error('SIMULATED mode trades with the simulated exchange, and no port to it was given');
    return withCrashPoints(await input.simulated(), env);
  }
  const credentials = loadAlpacaCredentials(env);
  return withCrashPoints(new AlpacaBroker({ ...input.alpaca, credentials }), env);
}

/**
 * The variables as the adapter will see them: with APCA_CREDENTIALS_FILE, the file's key id and base URL
 * count too (the environment wins), so a live key kept in a file is refused like one in the environment.
 */
function effectiveEnvironment(env: Environment): Environment {
  if (!env[ALPACA_ENVIRONMENT.file]?.trim()) return env;
  let credentials;
  try {
    credentials = loadAlpacaCredentials(env);
  } catch {
    return env; // the check names what is missing
  }
  return {
    ...env,
    [ALPACA_ENVIRONMENT.keyId]: credentials.keyId,
    [ALPACA_ENVIRONMENT.secret]: env[ALPACA_ENVIRONMENT.secret]?.trim() || '(from file)',
    [ALPACA_ENVIRONMENT.baseUrl]: env[ALPACA_ENVIRONMENT.baseUrl]?.trim() || credentials.baseUrl,
  };
}
