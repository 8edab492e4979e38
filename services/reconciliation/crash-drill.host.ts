/**
 * A service of the crash-recovery drill (libs/drills/src/crash-recovery.ts) as its own OS process:
 * `node bin/run-ts.js services/reconciliation/crash-drill.host.ts <execution|reconciliation>`, configured
 * like `tollgate service` (NATS_URL, TOLLGATE_NATS_NAMESPACE, DATABASE_URL, TOLLGATE_MODE, APCA_*). The
 * broker is built by `createBrokerFor`, which puts the crash points in place when TOLLGATE_CRASH_CONTROL
 * is set, so the drill can make this process SIGKILL itself at a chosen point. Prints `ready <name> <pid>`.
 *
 * Execution is hosted here, through its module's broker override, until its module builds its broker with
 * `createBrokerFor` itself; then `tollgate service execution` does the same. Reconciliation already does.
 */
import { loadRuntimeConfig, RUNTIME_CONFIG } from '@tollgate/application';
import { createBrokerFor } from '@tollgate/brokers';
import type { Bus } from '@tollgate/messaging';
import { createServiceApp } from '@tollgate/nest';
import { ExecutionModule } from '../execution/execution.module';
import { RemoteBrokerPort } from '../simulated-exchange/remote-broker-port';
import { ReconciliationModule } from './reconciliation.module';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (name !== 'execution' && name !== 'reconciliation') throw new Error(`the drill hosts execution or reconciliation, not ${JSON.stringify(name)}`);
  const config = loadRuntimeConfig();
  const broker = (bus: Bus) =>
    createBrokerFor({
      mode: config.mode,
      dryRun: config.dryRun,
      alpaca: { timeoutMs: 5_000, ...(name === 'reconciliation' ? { retry: false as const } : {}) },
      simulated: async () => {
        const port = new RemoteBrokerPort(bus);
        await port.connect();
        return port;
      },
    });
  const module =
    name === 'execution'
      ? ExecutionModule.forRoot(config, { riskService: 'required', broker, brokerTimeoutMs: 5_000 })
      : ReconciliationModule.forRoot(config, { broker, startupRetryMs: 500, streamWaitMs: 3_000 });
  const app = await createServiceApp({
    serviceName: name,
    imports: [module],
    providers: [{ provide: RUNTIME_CONFIG, useValue: config }],
    eventStore: config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  });
  process.stdout.write(`ready ${name} ${process.pid}\n`);
  const stop = async () => {
    await app.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`drill host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
