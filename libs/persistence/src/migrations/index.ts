import { CreateCases1764028800000 } from './1764028800000-create-cases';
import { CreateDetection1764115200000 } from './1764115200000-create-detection';
import { CreatePendingReports1764201600000 } from './1764201600000-create-pending-reports';
import { CaseRunbook1764374400000 } from './1764374400000-case-runbook';
import { CreateRemediation1764504000000 } from './1764504000000-create-remediation';
import { CreateTuning1764676800000 } from './1764676800000-create-tuning';
import { SweepsRetention1764763200000 } from './1764763200000-sweeps-retention';
import { CreatePolicies1764590400000 } from './1764590400000-create-policies';
import { CreateApiKeys1764806400000 } from './1764806400000-create-api-keys';
import { CreateAuditLog1764849600000 } from './1764849600000-create-audit-log';
import { CaseTimelineTypeIndex1764936000000 } from './1764936000000-case-timeline-type-index';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  CreateCases1764028800000,
  CreateDetection1764115200000,
  CreatePendingReports1764201600000,
  CaseRunbook1764374400000,
  CreateRemediation1764504000000,
  CreatePolicies1764590400000,
  CreateTuning1764676800000,
  SweepsRetention1764763200000,
  CreateApiKeys1764806400000,
  CreateAuditLog1764849600000,
  CaseTimelineTypeIndex1764936000000,
];
