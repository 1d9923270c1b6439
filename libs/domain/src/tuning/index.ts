export * from './allowances';
export * from './thresholds';
export * from './replay';
