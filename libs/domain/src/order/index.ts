export * from './order.commands';
export * from './order.decide';
export * from './order.decider';
export * from './order.errors';
export * from './order.ids';
export * from './order.state';
export * from './order.transitions';
export * from './order.validation';
