export * from './source-record';
export * from './cloudtrail';
export * from './cloudtrail-identity';
export * from './aws-actions';
export * from './ocsf';
export * from './ocsf-finding';
export { identityIdOf } from './values';
