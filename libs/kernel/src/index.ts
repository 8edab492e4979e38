export * from './decimal';
export * from './canonical-json';
export * from './ids';
export * from './clock';
export * from './errors';
export * from './decider';
