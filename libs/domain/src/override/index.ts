export * from './override.commands';
export * from './override.state';
export * from './override.decide';
