import type { DynamicModule, Type } from '@nestjs/common';
import type { RuntimeConfig } from '@tollgate/application';
import { CircuitBreakersModule } from './circuit-breakers/circuit-breakers.module';
import { ExecutionModule } from './execution/execution.module';
import { GatewayModule } from './gateway/gateway.module';
import { LedgerModule } from './ledger/ledger.module';
import { MarketDataModule } from './market-data/market-data.module';
import { ProposalsModule } from './proposals/proposals.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { RegimeModule } from './regime/regime.module';
import { RiskModule } from './risk/risk.module';
import { SimulatedExchangeModule } from './simulated-exchange/simulated-exchange.module';

export type ServiceMode = RuntimeConfig['mode'];

/**
 * Every Tollgate service, by name. `tollgate service NAME` runs one as its own process (NATS +
 * PostgreSQL); `tollgate run` runs them all in one process on the embedded store and bus.
 * A service is a Nest module built from the runtime configuration.
 */
export interface ServiceDefinition {
  name: string;
  description: string;
  module: (config: RuntimeConfig) => Type | DynamicModule;
  /** Whether this process also runs the store → bus relay when run alone. */
  relay?: boolean;
  /**
   * The trading modes the service belongs to; absent means every mode. The all-in-one run leaves a
   * service out in any other mode, and `tollgate service NAME` refuses to start it there.
   */
  modes?: readonly ServiceMode[];
}

export const serviceCatalog: ServiceDefinition[] = [
  {
    name: 'market-data',
    description:
      "SIMULATED: replays the synthetic market or a CSV at a speed; SANDBOX_PAPER and LIVE: polls the broker's latest quotes in real time and builds bars; validates every tick, publishes quotes and bars, records bars and stale-feed events",
    module: (config) => MarketDataModule.forRoot(config),
  },
  {
    name: 'simulated-exchange',
    description: 'SIMULATED mode venue: matches orders against the market data, keeps its state as events, serves the broker port over the bus',
    module: (config) => SimulatedExchangeModule.forRoot(config),
    // In SANDBOX_PAPER and LIVE the venue is the broker: a second venue would take orders nobody sends to a real one.
    modes: ['SIMULATED'],
  },
  {
    name: 'risk',
    description:
      'pre-trade risk check for every order (default deny), kill switch, emergency stop, limits held as events, trading state, overrides, auto-mode; seeds config/limits.simulated.json at the first SIMULATED start and config/limits.sandbox-paper.json at the first SANDBOX_PAPER start (LIVE never: set limits with tollgate limits set); reconciliation readiness not ready halts the account',
    module: (config) => RiskModule.forRoot(config),
  },
  {
    name: 'circuit-breakers',
    description: 'daily loss and drawdown on mark-to-market equity, losing streaks, reject and broker-error rates, stale data, sync failures, reconciliation breaks, clock skew: trips halt or reduce, and turn auto-mode off',
    module: (config) => CircuitBreakersModule.forRoot(config),
  },
  {
    name: 'execution',
    description: 'places orders (intent recorded first, risk-checked, sent or dry-run), applies broker answers and fills, cancels, recovers at start',
    // Until a risk service is registered, SIMULATED runs go without one (loudly); every other mode requires it.
    module: (config) =>
      ExecutionModule.forRoot(config, { riskService: config.riskService ?? (findService('risk') || config.mode !== 'SIMULATED' ? 'required' : 'absent') }),
  },
  {
    name: 'ledger',
    description: 'positions, P&L, cash and equity from the fills in the event store (FIFO lots), marked to the market data',
    module: (config) => LedgerModule.forRoot(config),
  },
  {
    name: 'reconciliation',
    description:
      "syncs with the broker (fills since the cursor, open orders, positions, cash) at start, on reconnect, periodically and on demand; adopts missed fills; reconciles; records readiness",
    module: (config) => ReconciliationModule.forRoot(config),
  },
  {
    name: 'regime',
    description: 'online structural-break detection per symbol on the bars: StructuralBreakSuspected, then Confirmed or Dismissed by an offline test',
    module: (config) => RegimeModule.forRoot(config),
  },
  {
    name: 'proposals',
    description:
      'runs the configured strategies (TOLLGATE_STRATEGIES, default trend) into proposals; approve, reject, expire, auto-mode; exit rules on every open position; orders through execution',
    module: (config) => ProposalsModule.forRoot(config),
  },
  {
    name: 'gateway',
    description: 'HTTP API and dashboard on localhost (TOLLGATE_HTTP_PORT, default 8080): events, orders, proposals, kill switch',
    module: (config) => GatewayModule.forRoot(config),
  },
];

export function findService(name: string): ServiceDefinition | undefined {
  return serviceCatalog.find((service) => service.name === name);
}

/** Whether the service runs in this trading mode (services/host.ts, `tollgate service`). */
export function runsInMode(service: ServiceDefinition, mode: ServiceMode): boolean {
  return !service.modes || service.modes.includes(mode);
}

/** The one-line reason a service does not run in this mode, or undefined when it does. */
export function modeRefusal(service: ServiceDefinition, mode: ServiceMode): string | undefined {
  if (runsInMode(service, mode)) return undefined;
  return `service ${service.name} runs only in ${service.modes!.join(' or ')} mode, and TOLLGATE_MODE is ${mode}`;
}
