export * from './risk';
export * from './evidence';
