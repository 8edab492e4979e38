import type { Provider } from '@nestjs/common';
import { millisecondsFromEnv, type RuntimeConfig } from '@tollgate/application';
import { createBrokerFor, type AlpacaBrokerOptions } from '@tollgate/brokers';
import type { BrokerPort } from '@tollgate/contracts';
import type { Bus } from '@tollgate/messaging';
import { BUS, LOGGER } from '@tollgate/nest';
import type { Logger } from '@tollgate/telemetry';
import { RemoteBrokerPort } from './simulated-exchange/remote-broker-port';

/** Per broker request, before its outcome is UNKNOWN (whole milliseconds ≥ 100); every service with a broker reads it. */
export const BROKER_TIMEOUT_VARIABLE = 'TOLLGATE_BROKER_TIMEOUT_MS';

export interface BrokerProviderOptions {
  /** The injection token the service reads its port under. */
  token: symbol;
  /** A port to use instead of the one the mode selects (tests). */
  override?: (bus: Bus) => BrokerPort | Promise<BrokerPort>;
  /** Per request; unset → TOLLGATE_BROKER_TIMEOUT_MS, else the defaults below. */
  timeoutMs?: number;
  defaultTimeoutMs: { alpaca: number; simulated: number };
  /** Alpaca adapter settings other than the time-out (e.g. the SDK's GET retry). */
  alpaca?: Omit<AlpacaBrokerOptions, 'credentials' | 'timeoutMs'>;
}

/**
 * The broker a service talks to, as a Nest provider: the one the mode trades with (`createBrokerFor`) —
 * the simulated exchange over the bus in SIMULATED, in every topology (`RemoteBrokerPort`); Alpaca
 * (sandbox, paper or live) otherwise, only after the C19 configuration check. Crash points wrap the port
 * when a drill arms them. Each service gets its own connection, so each sees the broker as it is.
 */
export function brokerProvider(config: RuntimeConfig, options: BrokerProviderOptions): Provider {
  // Read now rather than in the factory, so a bad value stops the service before anything connects.
  const timeoutMs = options.timeoutMs ?? millisecondsFromEnv(BROKER_TIMEOUT_VARIABLE);
  const build = (bus: Bus, logger: Logger): Promise<BrokerPort> | BrokerPort =>
    options.override
      ? options.override(bus)
      : createBrokerFor({
          mode: config.mode,
          dryRun: config.dryRun,
          alpaca: { ...options.alpaca, timeoutMs: timeoutMs ?? options.defaultTimeoutMs.alpaca },
          simulated: async () => {
            const port = new RemoteBrokerPort(bus, {
              timeoutMs: timeoutMs ?? options.defaultTimeoutMs.simulated,
              onInvalidUpdate: (issues) => logger.error({ issues }, 'a broker update was malformed and dropped'),
            });
            await port.connect();
            return port;
          },
        });
  return { provide: options.token, useFactory: build, inject: [BUS, LOGGER] };
}
