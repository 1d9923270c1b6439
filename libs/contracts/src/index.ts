export * from './vocabulary';
export * from './case';
export * from './messages';
export * from './search-attributes';
export * from './activities';
export * from './api';
export * from './telemetry';
