export * from './command-handler';
export * from './runtime-config';
