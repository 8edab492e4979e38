export * from './request';
export * from './activity-log';
export * from './snapshot';
export * from './engine';
export * from './live-book';
