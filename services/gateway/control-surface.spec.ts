import { commandSubjects, subjects } from '@tollgate/contracts';
import { exposedCommands, internalSubjects, isExposed, operatorRouteAvailability, operatorRoutes, parseCommandSubject } from './control-surface';
import { GatewayHttpError } from './gateway.errors';
import { DEFAULT_ACTOR, operatorOf, withActor } from './operator-identity';

describe('the control channel allow-list', () => {
  it('exposes every subject in commandSubjects once, except the internal ones', () => {
    const all = new Set(Object.values(commandSubjects).flatMap((group) => Object.values(group)));
    const exposed = exposedCommands().map((command) => command.subject);
    expect(new Set(exposed).size).toBe(exposed.length);
    expect(new Set(exposed)).toEqual(new Set([...all].filter((subject) => !internalSubjects.has(subject))));
  });

  it('keeps the broker port and the pre-trade check internal', () => {
    for (const subject of Object.values(commandSubjects.simulatedExchange)) expect(isExposed(subject)).toBe(false);
    expect(isExposed(commandSubjects.risk.checkOrder)).toBe(false);
    expect(isExposed(commandSubjects.risk.kill)).toBe(true);
  });

  it('refuses subjects that are not registered, whatever they look like', () => {
    expect(isExposed(subjects.command('risk', 'format-disk'))).toBe(false);
    expect(isExposed('tollgate.cmd.risk.>')).toBe(false);
    expect(parseCommandSubject('tollgate.evt.order.OrderFilled')).toBeUndefined();
    expect(parseCommandSubject(commandSubjects.risk.kill)).toEqual({ service: 'risk', name: 'kill' });
  });

  it('reports an operator route as unavailable until its subject is registered', () => {
    const registry = { risk: { kill: operatorRoutes.engageKillSwitch } };
    const availability = operatorRouteAvailability(registry);
    expect(availability.engageKillSwitch).toBe(true);
    expect(availability.listProposals).toBe(false);
  });
});

describe('operator identity', () => {
  it('defaults to user:local and accepts one user:<name>', () => {
    expect(operatorOf(undefined)).toBe(DEFAULT_ACTOR);
    expect(operatorOf('user:alice@desk-2')).toBe('user:alice@desk-2');
  });

  it.each(['alice', 'auto', 'system:risk', 'user:', 'user:a b', 'user:alice, user:bob'])('refuses %j as an operator', (header) => {
    expect(() => operatorOf(header)).toThrow(/X-Tollgate-Actor was invalid/);
  });

  it('stamps the operator on a command and refuses a body that speaks for someone else', () => {
    expect(withActor(undefined, 'user:alice')).toEqual({ actor: 'user:alice' });
    expect(withActor({ reason: 'x', actor: 'user:alice' }, 'user:alice')).toEqual({ reason: 'x', actor: 'user:alice' });
    expect(() => withActor({ actor: 'user:bob' }, 'user:alice')).toThrow(GatewayHttpError);
    expect(() => withActor(['not', 'an', 'object'], 'user:alice')).toThrow(/must be a JSON object/);
  });
});
