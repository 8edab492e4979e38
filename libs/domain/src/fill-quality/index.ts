export * from './fill-quality';
export * from './chase';
