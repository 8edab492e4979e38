import type { Command } from 'commander';
import { hostServices } from '@tollgate/services/host';
import { serviceCatalog } from '@tollgate/services/service-catalog';
import { CommandFailure, outputFor } from '../output';
import { untilSignal } from '../signals';

export function register(program: Command): void {
  program
    .command('service')
    .description('run one service as its own process (uses NATS_URL and DATABASE_URL when set)')
    .argument('[name]', 'the service to run; omit to list them')
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const output = outputFor(command);
      if (!name) {
        output.result(
          serviceCatalog.map(({ name: serviceName, description }) => ({ name: serviceName, description })),
          (services) => services.map((service) => `${service.name.padEnd(20)} ${service.description}`).join('\n'),
        );
        return;
      }
      if (!serviceCatalog.some((service) => service.name === name)) {
        throw new CommandFailure(`service ${name} does not exist; run 'tollgate service' to list them`);
      }
      const system = await hostServices({ names: [name] });
      output.info(`${name} is running (${system.config.natsUrl ? `NATS ${system.config.natsUrl}` : 'in-process bus'}, ${system.config.databaseUrl ? 'PostgreSQL' : `PGlite in ${system.config.dataDir}`}); Ctrl-C stops it`);
      await untilSignal();
      await system.close();
    });
}
