import type { BrokerPort } from '@tollgate/contracts';
import { AlpacaBroker, type AlpacaBrokerOptions } from './alpaca/alpaca-broker';
import { admitBrokerConfiguration, type TradingMode } from './configuration-check';
import { loadAlpacaCredentials, type Environment } from './credentials';
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

/**
 * The broker port a mode trades through: SIMULATED → the simulated exchange's port; SANDBOX_PAPER and
 * LIVE → Alpaca (the local broker sandbox or Alpaca's paper endpoint, or Alpaca live), only after
 * `checkBrokerConfiguration` (C19) accepted the environment — a dry run or a paper configuration holding
 * live credentials never gets a port. Crash points (drills only) wrap the port when armed.
 */
export async function createBrokerFor(input: BrokerFactoryInput): Promise<BrokerPort> {
  // A simulation must not hold live credentials either (C19), though it never uses them.
  const env = admitBrokerConfiguration(input.mode, input.dryRun, input.env ?? process.env);
  if (input.mode === 'SIMULATED') {
    if (!input.simulated) throw new Error('SIMULATED mode trades with the simulated exchange, and no port to it was given');
    return withCrashPoints(await input.simulated(), env);
  }
  const credentials = loadAlpacaCredentials(env);
  return withCrashPoints(new AlpacaBroker({ ...input.alpaca, credentials }), env);
}
