export * from './auto-mode.commands';
export * from './auto-mode.state';
export * from './auto-mode.decide';
