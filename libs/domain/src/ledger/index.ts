export * from './ledger';
export * from './ledger-csv';
export * from './ledger-report';
