import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { dataSourceOptions } from './data-source';
import { STORE_PROVIDERS } from './stores/stores.providers';

/** The database for a Nest process: the DataSource and the stores built on it, injectable anywhere. */
@Global()
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
  providers: STORE_PROVIDERS,
  exports: STORE_PROVIDERS,
})
export class PersistenceModule {}
