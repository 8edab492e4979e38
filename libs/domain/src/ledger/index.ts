export * from './ledger';
export * from './ledger-csv';
export * from './ledger-report';
export * from './account-facts';
export * from './ledger-fold';
