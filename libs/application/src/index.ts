export * from './command-handler';
export * from './runtime-config';
export * from './market-clock';
export * from './instruments';
export * from './parse-input';
export * from './market-data-subscription';
export * from './follow-store';
