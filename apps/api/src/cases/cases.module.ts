import { Module } from '@nestjs/common';
import { CaseReader } from './case-reader';
import { CasesController } from './cases.controller';
import { CasesService } from './cases.service';

@Module({
  controllers: [CasesController],
  providers: [CaseReader, CasesService],
})
export class CasesModule {}
