import { Global, Module } from '@nestjs/common';
import { DetectorsController } from './detectors.controller';
import { ThresholdCache } from './threshold-cache';

@Global()
@Module({
  controllers: [DetectorsController],
  providers: [ThresholdCache],
  exports: [ThresholdCache],
})
export class DetectorsModule {}
