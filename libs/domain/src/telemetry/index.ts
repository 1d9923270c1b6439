export * from './validate-event';
export * from './parse-batch';
