export * from './envelope';
export * from './schema';
export * from './event-registry';
export * from './events';
export * from './subjects';
export * from './broker';
export * from './reason-codes';
export * from './risk-check';
