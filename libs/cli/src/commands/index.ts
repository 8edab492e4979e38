import type { Command } from 'commander';
import { register as registerRun } from './run.command';
import { register as registerOrder } from './order.command';
import { register as registerService } from './service.command';
import { register as registerLedger } from './ledger.command';
import { register as registerBrokerSandbox } from './broker-sandbox.command';
import { register as registerBreaks } from './breaks.command';
import { register as registerStore } from './store.command';
import { register as registerReconcile } from './reconcile.command';

/** Every command group, in the order `--help` lists them. */
export const commandRegistrations: Array<(program: Command) => void> = [registerRun, registerOrder, registerService, registerLedger, registerBrokerSandbox, registerBreaks, registerStore, registerReconcile];
