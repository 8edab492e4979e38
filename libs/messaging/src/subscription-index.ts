import { assertSubject, subjectMatches } from './subject-match';

export interface IndexedSubscription {
  readonly pattern: string;
  readonly queue?: string | undefined;
}

/** The members of one queue group (same pattern, same queue) that match a subject; a message goes to one of them. */
export interface QueueGroup<S> {
  readonly members: readonly S[];
  /** Shared by every route through this group, so the rotation continues when routes are rebuilt. */
  readonly rotation: { next: number };
}

/** Who gets a message on one subject. */
export interface Route<S> {
  /** Subscriptions without a queue group, in the order they subscribed. */
  readonly plain: readonly S[];
  /** Queue groups, in the order of their first member. */
  readonly groups: readonly QueueGroup<S>[];
}

/**
 * The core subscriptions of a bus, looked up by subject instead of matching every subscription on every
 * publish: exact patterns in a map, the few wildcard patterns (`*`, `>`) in a list, and each subject's
 * resolved route cached until the subscriptions change. Market data publishes on a few hundred subjects
 * at most and subscriptions change rarely, so a publish costs one map lookup.
 */
export class SubscriptionIndex<S extends IndexedSubscription> {
  private readonly exact = new Map<string, S[]>();
  private readonly wildcard: S[] = [];
  /** Subscription order, which a route keeps whether a subscription is exact or a wildcard. */
  private readonly order = new Map<S, number>();
  private nextOrder = 0;
  private readonly rotations = new Map<string, { next: number; members: number }>();
  private readonly routes = new Map<string, Route<S>>();

  /** Routes cached at most; past it the cache starts over (a subject per symbol and per command stays far below). */
  constructor(private readonly maxCachedRoutes = 10_000) {}

  add(subscription: S): void {
    this.order.set(subscription, this.nextOrder++);
    if (isWildcard(subscription.pattern)) this.wildcard.push(subscription);
    else this.exact.set(subscription.pattern, [...(this.exact.get(subscription.pattern) ?? []), subscription]);
    if (subscription.queue) {
      const key = groupKey(subscription);
      const rotation = this.rotations.get(key) ?? { next: 0, members: 0 };
      rotation.members += 1;
      this.rotations.set(key, rotation);
    }
    this.routes.clear();
  }

  remove(subscription: S): void {
    if (!this.order.delete(subscription)) return;
    if (isWildcard(subscription.pattern)) this.wildcard.splice(this.wildcard.indexOf(subscription), 1);
    else {
      const remaining = (this.exact.get(subscription.pattern) ?? []).filter((other) => other !== subscription);
      if (remaining.length > 0) this.exact.set(subscription.pattern, remaining);
      else this.exact.delete(subscription.pattern);
    }
    if (subscription.queue) {
      const key = groupKey(subscription);
      const rotation = this.rotations.get(key);
      if (rotation && --rotation.members === 0) this.rotations.delete(key);
    }
    this.routes.clear();
  }

  clear(): void {
    this.exact.clear();
    this.wildcard.length = 0;
    this.order.clear();
    this.rotations.clear();
    this.routes.clear();
  }

  /** The route for `subject`; throws when `subject` is not a valid subject (checked once per subject, then cached). */
  route(subject: string): Route<S> {
    const cached = this.routes.get(subject);
    if (cached) return cached;
    assertSubject(subject);
    const route = this.resolve(subject);
    if (this.routes.size >= this.maxCachedRoutes) this.routes.clear();
    this.routes.set(subject, route);
    return route;
  }

  /** Every subscription that should get one message on `subject`: all plain ones, and the next member of each queue group. */
  recipients(subject: string): readonly S[] {
    const route = this.route(subject);
    if (route.groups.length === 0) return route.plain;
    const chosen = [...route.plain];
    for (const group of route.groups) chosen.push(group.members[group.rotation.next++ % group.members.length]!);
    return chosen;
  }

  private resolve(subject: string): Route<S> {
    const exact = this.exact.get(subject) ?? [];
    const wildcards = this.wildcard.filter((subscription) => subjectMatches(subscription.pattern, subject));
    const matching = wildcards.length === 0 ? exact : [...exact, ...wildcards].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    const plain: S[] = [];
    const groups = new Map<string, S[]>();
    for (const subscription of matching) {
      // An empty queue name is no queue group, as on the NATS bus (which then subscribes without one).
      if (!subscription.queue) plain.push(subscription);
      else {
        const key = groupKey(subscription);
        groups.set(key, [...(groups.get(key) ?? []), subscription]);
      }
    }
    return {
      plain,
      groups: [...groups].map(([key, members]) => ({ members, rotation: this.rotations.get(key)! })),
    };
  }
}

function isWildcard(pattern: string): boolean {
  return pattern.split('.').some((token) => token === '*' || token === '>');
}

function groupKey(subscription: IndexedSubscription): string {
  return `${subscription.pattern}\u0000${subscription.queue ?? ''}`;
}
