export * from './fixed-fractional';
