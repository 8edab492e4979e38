/**
 * The relay as its own process: `node bin/run-ts.js libs/messaging/src/relay-main.ts`.
 * Env: DATABASE_URL (else the PGlite in TOLLGATE_DATA_DIR), NATS_URL (else in-process, which is only useful
 * inside one process), TOLLGATE_NATS_NAMESPACE, TOLLGATE_RELAY_NAME, TOLLGATE_RELAY_CHECKPOINT_MS,
 * TOLLGATE_RELAY_MAX_IN_FLIGHT. SIGTERM/SIGINT stop it cleanly (checkpoint saved); a kill -9 loses
 * nothing either: the next start re-publishes from the saved checkpoint.
 */
import { createEventStore } from '@tollgate/event-store';
import { startTelemetry } from '@tollgate/telemetry';
import { checkpointStoreBeside } from './checkpoint-store';
import { createBus } from './create-bus';
import { EventRelay } from './relay';

async function main(): Promise<void> {
  const telemetry = startTelemetry({ serviceName: 'relay' });
  const store = await createEventStore();
  const bus = await createBus({ name: 'relay', logger: telemetry.logger });
  const relay = new EventRelay({
    store,
    bus,
    checkpoints: checkpointStoreBeside(store),
    logger: telemetry.logger,
    ...(process.env.TOLLGATE_RELAY_NAME ? { name: process.env.TOLLGATE_RELAY_NAME } : {}),
    ...(process.env.TOLLGATE_RELAY_CHECKPOINT_MS ? { checkpointIntervalMs: positive('TOLLGATE_RELAY_CHECKPOINT_MS') } : {}),
    ...(process.env.TOLLGATE_RELAY_MAX_IN_FLIGHT ? { maxInFlight: positive('TOLLGATE_RELAY_MAX_IN_FLIGHT') } : {}),
  });
  await relay.start();
  const shutdown = async () => {
    await relay.stop();
    await bus.close();
    await store.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

function positive(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(process.env[name])}`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`relay: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
