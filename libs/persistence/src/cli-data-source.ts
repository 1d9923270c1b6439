import { databaseFromEnv } from '@vigil/config';
import { createDataSource } from './data-source';

/** The data source the TypeORM CLI uses (`npm run migration:run|revert|show`). */
export default createDataSource(databaseFromEnv());
