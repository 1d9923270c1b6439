export * from './entities';
export * from './data-source';
export { MIGRATIONS } from './migrations';
export { PersistenceModule } from './persistence.module';
export * from './stores';
