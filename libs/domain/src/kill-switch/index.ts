export * from './kill-switch.commands';
export * from './kill-switch.state';
export * from './kill-switch.decide';
export * from './emergency-stop.commands';
export * from './emergency-stop.state';
export * from './emergency-stop.decide';
