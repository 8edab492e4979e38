import type { Logger } from '@tollgate/telemetry';
import type { Bus } from './bus';
import { InProcessBus } from './in-process-bus';
import { connectNatsBus } from './nats-bus';

export interface CreateBusOptions {
  /** Default: env NATS_URL. Set → NATS; unset → the in-process bus. */
  natsUrl?: string;
  /** Default: env TOLLGATE_NATS_NAMESPACE. See NatsBusOptions.namespace. */
  namespace?: string;
  /** Names the NATS connection (use the service name). */
  name?: string;
  requestTimeoutMs?: number;
  logger?: Logger;
}

/** The bus for this process: NATS when NATS_URL (or `natsUrl`) is set, else the in-process bus. */
export async function createBus(options: CreateBusOptions = {}): Promise<Bus> {
  const natsUrl = nonEmpty(options.natsUrl) ?? nonEmpty(process.env.NATS_URL);
  const common = {
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  if (!natsUrl) return new InProcessBus(common);
  const namespace = nonEmpty(options.namespace) ?? nonEmpty(process.env.TOLLGATE_NATS_NAMESPACE);
  return connectNatsBus({
    url: natsUrl,
    ...(namespace ? { namespace } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...common,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}
