import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { dataSourceOptions } from './data-source';

/** The database for a Nest process; the DataSource is injectable, repositories via forFeature. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [VIGIL_CONFIG],
      useFactory: (config: VigilConfig) => ({
        ...dataSourceOptions(config.database),
        retryAttempts: 10,
        retryDelay: 2_000,
      }),
    }),
  ],
})
export class PersistenceModule {}
