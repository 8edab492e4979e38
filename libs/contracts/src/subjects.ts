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
} as const;

/** Command subjects by service; the request/reply contracts live beside each service's commands. */
export const commandSubjects = {
  execution: {
    submitOrder: subjects.command('execution', 'submit-order'),
    cancelOrder: subjects.command('execution', 'cancel-order'),
    placeManualOrder: subjects.command('execution', 'place-manual-order'),
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
  },
} as const;

/** W3C trace-context header names carried on every NATS message. */
export const traceHeaders = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;
