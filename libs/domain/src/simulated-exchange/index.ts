export * from './fill-model';
export * from './market';
export * from './exchange.state';
export * from './exchange.decide';
export * from './exchange.decider';
export * from './simulated-broker';
