export * from './control-effectiveness';
export * from './csv';
export * from './frameworks';
