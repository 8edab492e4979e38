export * from './market-data.types';
export * from './csv-source';
export * from './replay';
export * from './tick-validator';
export * from './stale-feed-detector';
export * from './seeded-random-stream';
export * from './synthetic-market';
export * from './market-data-events';
