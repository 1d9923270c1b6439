export * from './connection';
export * from './search-attributes';
export * from './signal-with-start';
export * from './case-reports';
export * from './dev-server';
export * from './schedules';
