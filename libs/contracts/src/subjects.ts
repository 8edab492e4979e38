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
  proposals: {
    list: subjects.command('proposals', 'list'),
    approve: subjects.command('proposals', 'approve'),
    reject: subjects.command('proposals', 'reject'),
  },
  risk: {
    checkOrder: subjects.command('risk', 'check-order'),
    kill: subjects.command('risk', 'kill'),
    release: subjects.command('risk', 'release'),
    state: subjects.command('risk', 'state'),
  },
  reconciliation: {
    reconcile: subjects.command('reconciliation', 'reconcile'),
  },
  ledger: {
    positions: subjects.command('ledger', 'positions'),
    equityCurve: subjects.command('ledger', 'equity-curve'),
  },
} as const;

/** W3C trace-context header names carried on every NATS message. */
export const traceHeaders = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;
