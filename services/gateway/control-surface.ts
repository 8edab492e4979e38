import { commandSubjects, subjects } from '@tollgate/contracts';

/** One request/reply subject the gateway forwards: `tollgate.cmd.<service>.<name>`. */
export interface ExposedCommand {
  service: string;
  name: string;
  subject: string;
}

/**
 * Subjects that stay inside the system even though they are in `commandSubjects`:
 * - the simulated exchange's subjects are a BrokerPort: an order sent there would reach the venue
 *   without passing the risk service, which every order must;
 * - `risk.check-order` is execution's pre-trade question, and it counts towards the order throttles.
 */
export const internalSubjects: ReadonlySet<string> = new Set<string>([...Object.values(commandSubjects.simulatedExchange), commandSubjects.risk.checkOrder]);

/** `tollgate.cmd.risk.kill` → `{ service: 'risk', name: 'kill' }`; undefined for anything else. */
export function parseCommandSubject(subject: string): { service: string; name: string } | undefined {
  const match = /^tollgate\.cmd\.([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)$/.exec(subject);
  return match ? { service: match[1]!, name: match[2]! } : undefined;
}

/**
 * The allow-list of the generic control channel: every subject in `commandSubjects`, minus the internal
 * ones. A service that registers a subject there is reachable with no change to the gateway.
 */
export function exposedCommands(registry: Record<string, Record<string, string>> = commandSubjects): ExposedCommand[] {
  const bySubject = new Map<string, ExposedCommand>();
  for (const group of Object.values(registry)) {
    for (const subject of Object.values(group)) {
      if (bySubject.has(subject) || internalSubjects.has(subject)) continue;
      const parsed = parseCommandSubject(subject);
      if (!parsed) continue;
      bySubject.set(subject, { ...parsed, subject });
    }
  }
  return [...bySubject.values()].sort((left, right) => left.subject.localeCompare(right.subject));
}

/** Whether the generic channel may forward to `subject`. */
export function isExposed(subject: string, registry: Record<string, Record<string, string>> = commandSubjects): boolean {
  return exposedCommands(registry).some((command) => command.subject === subject);
}

/**
 * The operator surface (issues 4 and 5): what each friendly route forwards to. A route whose subject is
 * not (yet) in `commandSubjects` answers 503 naming the service that has to provide it.
 */
export const operatorRoutes = {
  listOrders: subjects.command('execution', 'list-orders'),
  placeOrder: subjects.command('execution', 'place-order'),
  cancelOrder: subjects.command('execution', 'cancel-order'),
  positions: subjects.command('ledger', 'positions'),
  listProposals: subjects.command('proposals', 'list'),
  approveProposal: subjects.command('proposals', 'approve'),
  rejectProposal: subjects.command('proposals', 'reject'),
  engageKillSwitch: subjects.command('risk', 'kill'),
  releaseKillSwitch: subjects.command('risk', 'release'),
  tradingState: subjects.command('risk', 'state'),
  listBreakers: subjects.command('circuit-breakers', 'list'),
  resetBreaker: subjects.command('circuit-breakers', 'reset'),
} as const;

export type OperatorRoute = keyof typeof operatorRoutes;

/** Each friendly route and whether its subject is registered, for `/api/health` and the dashboard. */
export function operatorRouteAvailability(registry: Record<string, Record<string, string>> = commandSubjects): Record<OperatorRoute, boolean> {
  const exposed = new Set(exposedCommands(registry).map((command) => command.subject));
  return Object.fromEntries(Object.entries(operatorRoutes).map(([route, subject]) => [route, exposed.has(subject)])) as Record<OperatorRoute, boolean>;
}
