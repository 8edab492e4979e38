export { AlpacaBroker, streamUrlFor, type AlpacaBrokerOptions } from './alpaca/alpaca-broker';
export { toBrokerError } from './alpaca/errors';
export { fillIdFor, mapAccount, mapFillActivity, mapOrder, mapOrderStatus, mapPosition, mapStreamFill, toAlpacaSide } from './alpaca/mapping';
export {
  ALPACA_ENVIRONMENT,
  ALPACA_LIVE_URL,
  ALPACA_PAPER_URL,
  loadAlpacaCredentials,
  SecretValue,
  type AlpacaCredentials,
  type Environment,
} from './credentials';
export { admitBrokerConfiguration, BrokerConfigurationError, checkBrokerConfiguration, type BrokerConfigurationCheck, type BrokerTarget, type TradingMode } from './configuration-check';
export { runBrokerSync, type BrokerSyncInput, type BrokerSyncResult, type LedgerSyncView } from './sync-runner';
export { createBrokerFor, type BrokerFactoryInput } from './broker-factory';
export { crashAt, crashPointsArmed, withCrashPoints, CRASH_ENVIRONMENT, CRASH_POINTS, type CrashPoint } from './crash-points';
export { AlpacaMarketData, ALPACA_DATA_URL_VARIABLE, createMarketQuotesFor, marketDataUrlFor, readLatestQuotes, type AlpacaMarketDataOptions, type MarketQuotesFactoryInput } from './alpaca/alpaca-market-data';
