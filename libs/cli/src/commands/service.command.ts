import type { Command } from 'commander';
import { loadRuntimeConfig, millisecondsFromEnv, type RuntimeConfig } from '@tollgate/application';
import { hostServices, type HostedSystem } from '@tollgate/services/host';
import { findService, modeRefusal, serviceCatalog } from '@tollgate/services/service-catalog';
import { CommandFailure, outputFor } from '../output';

/**
 * How long the services get to close after SIGTERM/SIGINT before the process exits anyway (whole
 * milliseconds ≥ 100, default 1500). Nothing is lost when it runs out: work still in flight (a sync
 * waiting on the broker) is what a crash leaves too, and the next start recovers it.
 */
export const SHUTDOWN_GRACE_VARIABLE = 'TOLLGATE_SHUTDOWN_GRACE_MS';
const DEFAULT_SHUTDOWN_GRACE_MS = 1_500;

/**
 * `tollgate service NAME`: one service as its own process. Once it listens it prints its readiness line,
 * `NAME is running (…)` on stderr (a JSON object on stdout with --json), which scripts and drills wait
 * for. SIGTERM or SIGINT closes it and the process exits 0 within the grace; a second signal exits at once.
 */
export function register(program: Command): void {
  program
    .command('service')
    .description('run one service as its own process (uses NATS_URL and DATABASE_URL when set)')
    .argument('[name]', 'the service to run; omit to list them')
    .addHelpText(
      'after',
      `\nPrints "NAME is running (…)" on stderr once the service listens ({"service","status":"running","pid",…} on stdout with --json).\n` +
        `SIGTERM or SIGINT stops it: exit 0 once it has closed, or after ${SHUTDOWN_GRACE_VARIABLE} ms (default ${DEFAULT_SHUTDOWN_GRACE_MS}).\n` +
        'A service that belongs to other trading modes (simulated-exchange outside SIMULATED) refuses to start. See docs/services.md.\n',
    )
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const output = outputFor(command);
      if (!name) {
        output.result(
          serviceCatalog.map(({ name: serviceName, description, modes }) => ({ name: serviceName, description, modes: modes ?? null })),
          (services) =>
            services.map((service) => `${service.name.padEnd(20)} ${service.description}${service.modes ? ` (${service.modes.join(', ')} only)` : ''}`).join('\n'),
        );
        return;
      }
      const service = findService(name);
      if (!service) throw new CommandFailure(`service ${name} does not exist; run 'tollgate service' to list them`);
      const graceMs = millisecondsFromEnv(SHUTDOWN_GRACE_VARIABLE) ?? DEFAULT_SHUTDOWN_GRACE_MS;
      let config: RuntimeConfig;
      try {
        config = loadRuntimeConfig();
      } catch (error) {
        throw new CommandFailure(`the configuration was refused: ${firstLine(error)}`);
      }
      const refusal = modeRefusal(service, config.mode);
      if (refusal) throw new CommandFailure(refusal);

      // Listened for before anything connects: a signal during start-up would otherwise kill the process
      // half-connected (no clean close, exit by signal). It is acted on once the services are up.
      const signals = listenForSignals();
      let system: HostedSystem;
      try {
        system = await hostServices({ names: [name] });
      } catch (error) {
        signals.dispose();
        throw new CommandFailure(`${name} could not start: ${firstLine(error)}`);
      }
      const bus = system.config.natsUrl ? `NATS ${system.config.natsUrl}` : 'in-process bus';
      const store = system.config.databaseUrl ? 'PostgreSQL' : `PGlite in ${system.config.dataDir}`;
      if (output.json) output.result({ service: name, status: 'running', pid: process.pid, mode: system.config.mode, bus, store }, () => '');
      else output.info(`${name} is running (${bus}, ${store}); Ctrl-C stops it`);

      const signal = await signals.first;
      // A second signal means "now": the services are left to the next start's recovery, as after a crash.
      void signals.second.then((again) => {
        process.stderr.write(`tollgate: second ${again}: exiting without waiting for ${name} to close\n`);
        process.exit(1);
      });
      const closed = await closeWithin(system, graceMs);
      if (closed === 'timeout') {
        process.stderr.write(`tollgate: ${name} did not close within ${graceMs} ms of ${signal} (work still in flight is recovered at the next start); exiting\n`);
      } else if (closed instanceof Error) {
        process.stderr.write(`tollgate: ${name} closed with an error: ${firstLine(closed)}\n`);
      }
      // Exit here rather than when the event loop drains: a timer some library left running must not keep
      // a stopped service's process alive. Its connections are closed (or abandoned, past the grace) by now.
      process.exit(closed instanceof Error ? 1 : 0);
    });
}

interface SignalListener {
  first: Promise<NodeJS.Signals>;
  second: Promise<NodeJS.Signals>;
  dispose(): void;
}

function listenForSignals(): SignalListener {
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  let resolveSecond!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const second = new Promise<NodeJS.Signals>((resolve) => (resolveSecond = resolve));
  let count = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) resolveFirst(signal);
    else resolveSecond(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    first,
    second,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function closeWithin(system: HostedSystem, graceMs: number): Promise<'closed' | 'timeout' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
  try {
    return await Promise.race([
      system.close().then(
        () => 'closed' as const,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
