export * from './entities';
export * from './data-source';
export { MIGRATIONS } from './migrations';
export { PersistenceModule } from './persistence.module';
export * from './stores';
export {
  AUDIT_CHAIN_SLOT,
  ChainWalker,
  GENESIS_HASH,
  canonicalJson,
  chainHash,
  chainText,
  storableDetails,
  type BrokenLink,
  type BrokenLinkReason,
  type ChainedContent,
} from './audit/chain';
