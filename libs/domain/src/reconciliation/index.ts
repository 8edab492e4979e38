export * from './reconciliation.types';
export * from './compare';
export * from './break.commands';
export * from './break.state';
export * from './break.decide';
export * from './reconcile';
export * from './our-books';
