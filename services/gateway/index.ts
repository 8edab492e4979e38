export { GatewayModule } from './gateway.module';
export { GatewayHttpServer } from './gateway-http.server';
export { gatewayOptionsFrom, type GatewayOptions } from './gateway.options';
export { ACTOR_HEADER, DEFAULT_ACTOR } from './operator-identity';
export { exposedCommands, internalSubjects, operatorRoutes, type ExposedCommand, type OperatorRoute } from './control-surface';
export type { GatewayErrorBody } from './gateway.errors';
