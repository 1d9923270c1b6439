import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessControl } from './access-control';
import { AuthGuard } from './auth.guard';
import { KeyAuthenticator } from './key-authenticator';
import { KeysController } from './keys.controller';
import { KeysService } from './keys.service';

/** API keys, and the guard that checks one on every route that is not public. */
@Module({
  controllers: [KeysController],
  providers: [
    KeyAuthenticator,
    KeysService,
    AccessControl,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [KeysService, KeyAuthenticator, AccessControl],
})
export class AuthModule {}
