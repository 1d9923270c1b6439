export * from './fingerprint';
export * from './severity';
export * from './case-lifecycle';
export * from './baseline';
export * from './detection';
export * from './telemetry';
export * from './case';
export * from './remediation';
