import { CreateCases1764028800000 } from './1764028800000-create-cases';
import { CreateDetection1764115200000 } from './1764115200000-create-detection';
import { CreatePendingReports1764201600000 } from './1764201600000-create-pending-reports';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  CreateCases1764028800000,
  CreateDetection1764115200000,
  CreatePendingReports1764201600000,
];
