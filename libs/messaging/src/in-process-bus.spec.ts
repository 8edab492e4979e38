import { describeBusContract } from './bus.contract';
import { InProcessBus } from './in-process-bus';

const duplicateWindowMs = 300;

describeBusContract(
  'in-process',
  async () => {
    const bus = new InProcessBus({ duplicateWindowMs, requestTimeoutMs: 2_000 });
    return { bus, peer: bus, duplicateWindowMs };
  },
  async ({ bus }) => bus.close(),
);
