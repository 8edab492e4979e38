import type { Command } from 'commander';
import { register as registerRun } from './run.command';
import { register as registerOrder } from './order.command';
import { register as registerService } from './service.command';
import { register as registerLedger } from './ledger.command';
import { register as registerBrokerSandbox } from './broker-sandbox.command';
import { register as registerBreaks } from './breaks.command';
import { register as registerStore } from './store.command';
import { register as registerReconcile } from './reconcile.command';
import { register as registerProposals } from './proposals.command';
import { register as registerSim } from './sim.command';
import { register as registerCrashDrill } from './crash-drill.command';
import { register as registerLimits } from './limits.command';
import { register as registerState } from './state.command';
import { register as registerBreakers } from './breakers.command';
import { register as registerKill } from './kill.command';
import { register as registerEmergencyStop } from './emergency-stop.command';
import { register as registerOverride } from './override.command';
import { register as registerAutoMode } from './auto-mode.command';
import { register as registerDrill } from './drill.command';

/** Every command group, in the order `--help` lists them. */
export const commandRegistrations: Array<(program: Command) => void> = [registerRun, registerOrder, registerService, registerLedger, registerBrokerSandbox, registerBreaks, registerStore, registerReconcile, registerLimits, registerState, registerBreakers, registerKill, registerEmergencyStop, registerOverride, registerAutoMode, registerDrill, registerCrashDrill, registerProposals, registerSim];
