export * from './local-date';
export * from './exchange-calendar';
export * from './special-sessions';
export * from './nyse-rules';
export * from './nyse-calendar';
