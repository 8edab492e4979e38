import fc from 'fast-check';
import { subjectMatches } from './subject-match';
import { SubscriptionIndex } from './subscription-index';

interface Sub {
  id: number;
  pattern: string;
  queue?: string;
}

const token = fc.constantFrom('a', 'b', 'c');
const subject = fc.array(token, { minLength: 1, maxLength: 4 }).map((tokens) => tokens.join('.'));
const pattern = fc
  .array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 4 })
  .chain((tokens) => fc.boolean().map((tail) => (tail ? [...tokens.slice(0, -1), '>'] : tokens).join('.')));
const queue = fc.option(fc.constantFrom('q1', 'q2'), { nil: undefined });

/** Every matching subscription, in subscription order: what matching each one in turn finds. */
function matchingInOrder(subscriptions: Sub[], onSubject: string): Sub[] {
  return subscriptions.filter((subscription) => subjectMatches(subscription.pattern, onSubject));
}

describe('SubscriptionIndex', () => {
  it('routes a subject to exactly the subscriptions whose pattern matches it, in subscription order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ pattern, queue }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(subject, { minLength: 1, maxLength: 6 }),
        (specs, removals, subjects) => {
          const index = new SubscriptionIndex<Sub>();
          let live: Sub[] = specs.map((spec, id) => ({ id, pattern: spec.pattern, ...(spec.queue ? { queue: spec.queue } : {}) }));
          live.forEach((subscription) => index.add(subscription));
          for (const subjectName of subjects) index.route(subjectName); // fill the cache, so removals must invalidate it
          for (const removal of removals) {
            const gone = live[removal % Math.max(1, live.length)];
            if (!gone) continue;
            index.remove(gone);
            live = live.filter((subscription) => subscription !== gone);
          }
          for (const subjectName of subjects) {
            const expected = matchingInOrder(live, subjectName);
            const route = index.route(subjectName);
            expect(route.plain.map((subscription) => subscription.id)).toEqual(expected.filter((s) => !s.queue).map((s) => s.id));
            const grouped = expected.filter((s) => s.queue);
            expect(route.groups.flatMap((group) => group.members.map((member) => member.id)).sort()).toEqual(grouped.map((s) => s.id).sort());
            for (const group of route.groups) {
              expect(new Set(group.members.map((member) => `${member.pattern}|${member.queue}`)).size).toBe(1);
            }
          }
        },
      ),
    );
  });

  it('gives each message to every plain subscriber and to the members of a queue group in turn', () => {
    const index = new SubscriptionIndex<Sub>();
    const plain = { id: 1, pattern: 'md.quote.*' };
    const workerA = { id: 2, pattern: 'md.quote.AAPL', queue: 'workers' };
    const workerB = { id: 3, pattern: 'md.quote.AAPL', queue: 'workers' };
    [plain, workerA, workerB].forEach((subscription) => index.add(subscription));
    const rounds = Array.from({ length: 4 }, () => index.recipients('md.quote.AAPL').map((subscription) => subscription.id));
    expect(rounds).toEqual([
      [1, 2],
      [1, 3],
      [1, 2],
      [1, 3],
    ]);
    // A new subscription elsewhere rebuilds the routes; the group's rotation goes on where it was.
    index.add({ id: 4, pattern: 'md.bar.>' });
    expect(index.recipients('md.quote.AAPL').map((subscription) => subscription.id)).toEqual([1, 2]);
    expect(index.recipients('md.quote.MSFT').map((subscription) => subscription.id)).toEqual([1]);
  });

  it('refuses a subject with wildcards or empty tokens, cached or not', () => {
    const index = new SubscriptionIndex<Sub>();
    index.add({ id: 1, pattern: 'md.>' });
    expect(() => index.route('md.*')).toThrow('not a valid NATS subject');
    expect(() => index.route('md..x')).toThrow('md..x');
    expect(index.route('md.x').plain).toHaveLength(1);
  });

  it('starts its route cache over instead of growing past its bound', () => {
    const index = new SubscriptionIndex<Sub>(3);
    index.add({ id: 1, pattern: 'md.>' });
    for (const name of ['a', 'b', 'c', 'd', 'e']) expect(index.route(`md.${name}`).plain).toHaveLength(1);
  });
});
