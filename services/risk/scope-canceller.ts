import { commandSubjects } from '@tollgate/contracts';
import { orderInScope } from '@tollgate/domain/risk';
import { RemoteError, type Bus } from '@tollgate/messaging';
import type { Logger } from '@tollgate/telemetry';
import { AT_VENUE_STATUSES, type RiskProjection, type TrackedOrder } from './risk-projection';

export interface ScopeCancellerOptions {
  /** Fault injection for the drills' own tests only: engaged kill switches block new orders but cancel nothing. */
  killSwitchDoesNotCancel?: boolean;
  /** Cancels of one order before the canceller gives up on it and says so. */
  maxAttempts?: number;
  timeoutMs?: number;
}

const ACTOR = 'system:risk';

/**
 * Cancels every resting order in a scope that must not have any: an engaged kill switch, or a HALTED
 * trading state (nothing but cancels). It sweeps when a switch engages or a scope halts, and then
 * each order that reaches the venue while its scope stays so (an order that was in flight when the
 * switch engaged). Cancels go through execution (`execution.cancel-order`), which never blocks them.
 * Emergency exits are never cancelled here: they are how a halted scope is flattened.
 */
export class ScopeCanceller {
  private readonly inFlight = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly projection: RiskProjection,
    private readonly logger: Logger,
    private readonly options: ScopeCancellerOptions = {},
  ) {}

  /** Scopes whose resting orders must go, each with why. */
  cancelScopes(): Array<{ scope: string; cause: string }> {
    const scopes: Array<{ scope: string; cause: string }> = [];
    if (!this.options.killSwitchDoesNotCancel) {
      for (const scope of Object.keys(this.projection.killSwitch.engaged)) scopes.push({ scope, cause: `kill switch ${scope}` });
    }
    for (const [scope, state] of this.projection.tradingBoard) if (state.status === 'HALTED') scopes.push({ scope, cause: `${scope} HALTED (${state.cause})` });
    return scopes;
  }

  /** Cancels every resting order in any cancel scope. */
  sweep(): number {
    const scopes = this.cancelScopes();
    if (scopes.length === 0) return 0;
    let sent = 0;
    for (const order of this.projection.orders.values()) if (this.considerIn(order, scopes)) sent += 1;
    return sent;
  }

  /**
   * A kill switch is being engaged for `scope`: its resting orders are cancelled now, while the switch is
   * being recorded (a cancel is always safe, so it need not wait for the record).
   */
  cancelScopeNow(scope: string, cause: string): number {
    if (this.options.killSwitchDoesNotCancel) return 0;
    let sent = 0;
    for (const order of this.projection.orders.values()) if (this.considerIn(order, [{ scope, cause }])) sent += 1;
    return sent;
  }

  /** One order changed: cancel it if it now rests in a cancel scope. */
  consider(order: TrackedOrder): void {
    if (!AT_VENUE_STATUSES.has(order.state.status)) return;
    const scopes = this.cancelScopes();
    if (scopes.length > 0) this.considerIn(order, scopes);
  }

  /** A WorkingOrdersCancelRequested names orders: cancel those still resting, whatever their scope. */
  cancelListed(clientOrderIds: readonly string[], cause: string): void {
    for (const clientOrderId of clientOrderIds) {
      const orderId = this.projection.orderIdByClientOrderId.get(clientOrderId);
      const order = orderId ? this.projection.orders.get(orderId) : undefined;
      if (order && AT_VENUE_STATUSES.has(order.state.status) && !this.projection.isEmergencyExit(order)) this.cancel(order, cause);
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  private considerIn(order: TrackedOrder, scopes: Array<{ scope: string; cause: string }>): boolean {
    if (!AT_VENUE_STATUSES.has(order.state.status) || this.projection.isEmergencyExit(order)) return false;
    const scoped = this.projection.scopedOrder(order);
    if (!scoped) return false;
    const match = scopes.find(({ scope }) => orderInScope(scoped, scope));
    if (!match) return false;
    return this.cancel(order, match.cause);
  }

  private cancel(order: TrackedOrder, cause: string): boolean {
    if (this.closed || this.inFlight.has(order.orderId)) return false;
    const attempt = (this.attempts.get(order.orderId) ?? 0) + 1;
    const maxAttempts = this.options.maxAttempts ?? 5;
    if (attempt > maxAttempts) {
      if (attempt === maxAttempts + 1) {
        this.attempts.set(order.orderId, attempt);
        this.logger.error({ orderId: order.orderId, cause }, `order ${order.orderId} is still resting after ${maxAttempts} cancels (${cause}); an operator must look at it`);
      }
      return false;
    }
    this.attempts.set(order.orderId, attempt);
    this.inFlight.add(order.orderId);
    this.bus
      .request(commandSubjects.execution.cancelOrder, { orderId: order.orderId, reason: cause, actor: ACTOR }, { timeoutMs: this.options.timeoutMs ?? 5_000 })
      .catch((error: unknown) => {
        // Not at the venue yet: the order is swept again when the venue accepts it.
        if (error instanceof RemoteError && error.remote.code === 'ORDER_NOT_AT_VENUE') {
          this.attempts.set(order.orderId, attempt - 1);
          return;
        }
        this.logger.warn({ err: error, orderId: order.orderId, attempt }, `cancel of order ${order.orderId} (${cause}) failed; trying again`);
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          const current = this.projection.orders.get(order.orderId);
          if (current) this.consider(current);
        }, 200 * attempt);
        timer.unref();
        this.retries.add(timer);
      })
      .finally(() => this.inFlight.delete(order.orderId));
    return true;
  }
}
