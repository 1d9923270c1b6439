export * from './cedar-request';
export * from './context';
