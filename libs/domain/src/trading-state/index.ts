export * from './trading-state.commands';
export * from './trading-state.state';
export * from './trading-state.decide';
