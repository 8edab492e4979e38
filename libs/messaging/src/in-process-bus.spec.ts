import { contractLogger, describeBusContract } from './bus.contract';
import { InProcessBus } from './in-process-bus';

const duplicateWindowMs = 300;

describeBusContract(
  'in-process',
  async () => {
    const { logger, loggedErrors } = contractLogger();
    const bus = new InProcessBus({ duplicateWindowMs, requestTimeoutMs: 2_000, logger });
    return { bus, peer: bus, duplicateWindowMs, loggedErrors };
  },
  async ({ bus }) => bus.close(),
);
