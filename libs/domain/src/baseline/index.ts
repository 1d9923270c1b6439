export * from './types';
export * from './hash';
export * from './event-view';
export * from './rate';
export * from './values';
export * from './baseline';
export * from './delta';
