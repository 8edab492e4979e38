/**
 * Every NATS subject Tollgate uses, in one place.
 *
 * Events: `tollgate.evt.<category>.<Type>` — relayed from the event store, one per committed event,
 *   with `Nats-Msg-Id` = event id, on the JetStream stream `TOLLGATE_EVENTS`.
 * Market data: `tollgate.md.<kind>.<SYMBOL>` — core NATS (high rate, not durable; bars that matter
 *   are also recorded as events).
 * Commands and queries: `tollgate.cmd.<service>.<name>` — request/reply with a timeout.
 */
export const EVENT_STREAM = 'TOLLGATE_EVENTS';

export const subjects = {
  event: (category: string, type: string): string => `tollgate.evt.${category}.${type}`,
  allEvents: 'tollgate.evt.>',
  eventsOfCategory: (category: string): string => `tollgate.evt.${category}.*`,

  quote: (symbol: string): string => `tollgate.md.quote.${symbol}`,
  bar: (symbol: string): string => `tollgate.md.bar.${symbol}`,
  allQuotes: 'tollgate.md.quote.*',
  allBars: 'tollgate.md.bar.*',

  command: (service: string, name: string): string => `tollgate.cmd.${service}.${name}`,

  /** A broker adapter's live order updates (BrokerUpdate JSON), core NATS: fills are also backfilled with `fillsSince`. */
  brokerUpdates: (broker: string): string => `tollgate.broker.${broker}.updates`,
  /** The ledger's notice that a fill changed a position (LedgerUpdate JSON), core NATS. */
  ledgerUpdates: 'tollgate.ledger.updates',
} as const;

/** Command subjects by service; the request/reply contracts live beside each service's commands. */
export const commandSubjects = {
  execution: {
    /** Approved, manual, exit and emergency orders alike: `intentKind` says which (services/execution/execution.commands.ts). */
    placeOrder: subjects.command('execution', 'place-order'),
    cancelOrder: subjects.command('execution', 'cancel-order'),
    getOrder: subjects.command('execution', 'get-order'),
    listOrders: subjects.command('execution', 'list-orders'),
    fillQuality: subjects.command('execution', 'fill-quality'),
    status: subjects.command('execution', 'status'),
    /** @deprecated the same subject as placeOrder (one contract for every kind of order). */
    submitOrder: subjects.command('execution', 'place-order'),
    /** @deprecated the same subject as placeOrder, with `intentKind: 'manual'`. */
    placeManualOrder: subjects.command('execution', 'place-order'),
  },
  marketData: {
    status: subjects.command('market-data', 'status'),
  },
  /** The BrokerPort of the simulated exchange over request/reply (services/simulated-exchange). */
  simulatedExchange: {
    submit: subjects.command('simulated-exchange', 'submit'),
    cancel: subjects.command('simulated-exchange', 'cancel'),
    replace: subjects.command('simulated-exchange', 'replace'),
    getOrder: subjects.command('simulated-exchange', 'get-order'),
    openOrders: subjects.command('simulated-exchange', 'open-orders'),
    positions: subjects.command('simulated-exchange', 'positions'),
    fillsSince: subjects.command('simulated-exchange', 'fills-since'),
    account: subjects.command('simulated-exchange', 'account'),
  },
  /** The proposals service (services/proposals/proposals.commands.ts): strategies' proposals, a person's decisions, exits. */
  proposals: {
    list: subjects.command('proposals', 'list'),
    approve: subjects.command('proposals', 'approve'),
    reject: subjects.command('proposals', 'reject'),
    /** Open positions the service manages, with their exit state. */
    positions: subjects.command('proposals', 'positions'),
  },
  /** The regime service (services/regime/regime.commands.ts): structural-break monitoring per symbol. */
  regime: {
    status: subjects.command('regime', 'status'),
  },
  /** The risk service (services/risk/risk.commands.ts): pre-trade check, kill switch, emergency stop, limits, trading state, overrides, auto-mode. */
  risk: {
    /** Execution's pre-trade question (libs/contracts/src/risk-check.ts); internal, never exposed by the gateway. */
    checkOrder: subjects.command('risk', 'check-order'),
    kill: subjects.command('risk', 'kill'),
    release: subjects.command('risk', 'release'),
    /** Trading state of every scope, kill switches, breakers, disabled strategies, auto-mode, limits in force. */
    state: subjects.command('risk', 'state'),
    setTradingState: subjects.command('risk', 'set-trading-state'),
    enableStrategy: subjects.command('risk', 'enable-strategy'),
    limitsShow: subjects.command('risk', 'limits-show'),
    limitsSet: subjects.command('risk', 'limits-set'),
    emergencyStop: subjects.command('risk', 'emergency-stop'),
    emergencyStopStatus: subjects.command('risk', 'emergency-stop-status'),
    overrideRequest: subjects.command('risk', 'override-request'),
    overrideApprove: subjects.command('risk', 'override-approve'),
    autoModeOn: subjects.command('risk', 'auto-mode-on'),
    autoModeOff: subjects.command('risk', 'auto-mode-off'),
    /** Records a drill's result (DrillCompleted) in a running system's store. */
    recordDrill: subjects.command('risk', 'record-drill'),
  },
  /** The circuit-breakers service (services/circuit-breakers/circuit-breakers.commands.ts). */
  breakers: {
    list: subjects.command('circuit-breakers', 'list'),
    reset: subjects.command('circuit-breakers', 'reset'),
  },
  /** The sync + reconciliation service (services/reconciliation/reconciliation.commands.ts). */
  reconciliation: {
    /** Sync with the broker now, then reconcile: answers the `tollgate reconcile` report. */
    reconcile: subjects.command('reconciliation', 'reconcile'),
    /** Readiness, the last sync and reconciliation, open breaks. */
    status: subjects.command('reconciliation', 'status'),
    acknowledgeBreak: subjects.command('reconciliation', 'acknowledge-break'),
    resolveBreak: subjects.command('reconciliation', 'resolve-break'),
  },
  ledger: {
    positions: subjects.command('ledger', 'positions'),
    equityCurve: subjects.command('ledger', 'equity-curve'),
  },
} as const;

/** W3C trace-context header names carried on every NATS message. */
export const traceHeaders = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;
