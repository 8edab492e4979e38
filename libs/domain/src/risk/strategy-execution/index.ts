export * from './strategy-execution.commands';
export * from './strategy-execution.state';
export * from './strategy-execution.decide';
