import { CreateCases1764028800000 } from './1764028800000-create-cases';

/** Every migration, oldest first. */
export const MIGRATIONS = [CreateCases1764028800000];
