export * from './playbooks';
export * from './templates';
export * from './matching';
export * from './preview';
export * from './validate';
export * from './escalation';
