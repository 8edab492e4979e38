export * from './breaker.commands';
export * from './breaker.state';
export * from './breaker.evaluate';
export * from './breaker.decide';
