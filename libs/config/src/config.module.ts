import { Global, Module } from '@nestjs/common';
import { loadConfig } from './index';

/** Injection token of the process's VigilConfig. */
export const VIGIL_CONFIG = Symbol('VIGIL_CONFIG');

@Global()
@Module({
  providers: [{ provide: VIGIL_CONFIG, useFactory: () => loadConfig() }],
  exports: [VIGIL_CONFIG],
})
export class ConfigModule {}
