export * from './port';
export * from './errors';
export * from './create-event-store';
export * from './sql-event-store';
