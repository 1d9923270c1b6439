import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BaselineStore } from './baseline-store';
import { EventLedger } from './event-ledger';
import { IdentityStore } from './identity-store';
import { ReportOutbox } from './report-outbox';
import { ThresholdStore } from './threshold-store';
import { EscalationPolicyStore } from './escalation-policy-store';
import { PlaybookStore } from './playbook-store';
import { RemediationLedger } from './remediation-ledger';
import { RestrictionStore } from './restriction-store';
import { ReplayStore, TuningStore } from './tuning-store';
import { EventArchive } from './event-archive';
import { PolicyStore } from './policy-store';
import { ApiKeyStore } from './api-key-store';
import { AuditLog } from './audit-log';

/**
 * The stores as Nest providers, built on the DataSource PersistenceModule registers. Add
 * them to a module's `providers` and inject them by class.
 */
export const STORE_PROVIDERS: Provider[] = [
  {
    provide: ApiKeyStore,
    useFactory: (ds: DataSource) => new ApiKeyStore(ds),
    inject: [DataSource],
  },
  {
    provide: AuditLog,
    useFactory: (ds: DataSource) => new AuditLog(ds),
    inject: [DataSource],
  },
  {
    provide: ReplayStore,
    useFactory: (ds: DataSource) => new ReplayStore(ds),
    inject: [DataSource],
  },
  {
    provide: EventArchive,
    useFactory: (ds: DataSource) => new EventArchive(ds),
    inject: [DataSource],
  },
  {
    provide: TuningStore,
    useFactory: (ds: DataSource) => new TuningStore(ds),
    inject: [DataSource],
  },
  {
    provide: EventLedger,
    useFactory: (ds: DataSource) => new EventLedger(ds),
    inject: [DataSource],
  },
  {
    provide: BaselineStore,
    useFactory: (ds: DataSource) => new BaselineStore(ds),
    inject: [DataSource],
  },
  {
    provide: IdentityStore,
    useFactory: (ds: DataSource) => new IdentityStore(ds),
    inject: [DataSource],
  },
  {
    provide: ReportOutbox,
    useFactory: (ds: DataSource) => new ReportOutbox(ds),
    inject: [DataSource],
  },
  {
    provide: ThresholdStore,
    useFactory: (ds: DataSource) => new ThresholdStore(ds),
    inject: [DataSource],
  },
  {
    provide: PlaybookStore,
    useFactory: (ds: DataSource) => new PlaybookStore(ds),
    inject: [DataSource],
  },
  {
    provide: EscalationPolicyStore,
    useFactory: (ds: DataSource) => new EscalationPolicyStore(ds),
    inject: [DataSource],
  },
  {
    provide: RestrictionStore,
    useFactory: (ds: DataSource) => new RestrictionStore(ds),
    inject: [DataSource],
  },
  {
    provide: PolicyStore,
    useFactory: (ds: DataSource) => new PolicyStore(ds),
    inject: [DataSource],
  },
  {
    provide: RemediationLedger,
    useFactory: (ds: DataSource) => new RemediationLedger(ds),
    inject: [DataSource],
  },
];
