export * from './strategy.types';
export * from './indicators';
export * from './parameters';
export * from './strategy-version';
export * from './trend.strategy';
export * from './mean-reversion.strategy';
export * from './strategy-registry';
export * from './strategy-runner';
