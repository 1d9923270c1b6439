import { Module } from '@nestjs/common';
import { TuningController } from './tuning.controller';
import { TuningService } from './tuning.service';

/** Tuning runs, their revert, verdict exclusions and what-if replays. */
@Module({ controllers: [TuningController], providers: [TuningService] })
export class TuningModule {}
