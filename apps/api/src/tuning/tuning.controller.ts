import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { TuningReplay, TuningRun } from '@vigil/contracts';
import { ApiErrorResponses } from '../common/openapi';
import {
  ListRunsQuery,
  ReplayRequestDto,
  TuningRunRequestDto,
  VerdictExclusionDto,
} from './tuning.dto';
import { TuningService } from './tuning.service';
import type { Principal } from '@vigil/contracts';
import { CONFIG_READERS, CurrentPrincipal, Roles } from '../auth/roles';

const RUN_DESCRIPTION =
  'A run record: inputs (verdicts read, new, excluded), thresholds moved with before/after, precision and reason, detectors left alone and why, allowances added and expired, and the revert if any.';

@ApiTags('tuning')
@Controller('v1/tuning')
export class TuningController {
  constructor(private readonly tuning: TuningService) {}

  @Post('runs')
  @Roles('admin')
  @ApiOperation({
    summary: 'Run baseline tuning now',
    description: `Starts a baselineTuning workflow and waits up to 20 s: 201 with the run, or 202 with its id while it is still running. ${RUN_DESCRIPTION}`,
  })
  @ApiCreatedResponse({ description: 'The run, applied.' })
  @ApiAcceptedResponse({ description: '{ id, status: "running" }' })
  @ApiErrorResponses(400, 503)
  async run(
    @Body() body: TuningRunRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TuningRun | { id: string; status: 'running' }> {
    const started = await this.tuning.startRun(body, principal.actor);
    if (started.done) {
      res.status(201);
      return started.run;
    }
    res.status(202);
    return { id: started.id, status: 'running' };
  }

  @Get('runs')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'Tuning runs, newest first', description: RUN_DESCRIPTION })
  @ApiOkResponse({ description: '{ items: TuningRun[] }' })
  @ApiErrorResponses(400)
  async runs(@Query() query: ListRunsQuery): Promise<{ items: TuningRun[] }> {
    return { items: await this.tuning.runs(query.limit ?? 50) };
  }

  @Get('runs/:id')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'One tuning run', description: RUN_DESCRIPTION })
  @ApiOkResponse({ description: 'The run.' })
  @ApiErrorResponses(404)
  getRun(@Param('id') id: string): Promise<TuningRun> {
    return this.tuning.run(id);
  }

  @Post('runs/:id/revert')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revert a tuning run',
    description:
      'Puts each threshold the run moved back (unless it changed again since: then it is listed as skipped), ends the allowances it added, restores those it expired. Its verdicts stay read: new verdicts can move the detector again.',
  })
  @ApiOkResponse({ description: 'The run, with status reverted and the revert record.' })
  @ApiErrorResponses(400, 404, 409)
  revert(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<TuningRun> {
    return this.tuning.revert(id, principal.actor);
  }

  @Put('verdicts/:caseId/exclusion')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Leave a verdict out of tuning (bad data), or take it back in',
    description:
      'For false positives that came from bad data rather than from the detector. Also settable at decision time with excludeFromLearning.',
  })
  @ApiNoContentResponse()
  @ApiErrorResponses(400, 404)
  async exclude(
    @Param('caseId') caseId: string,
    @Body() body: VerdictExclusionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.tuning.setExclusion(caseId, body.excluded, body.reason ?? null, principal.actor);
  }

  @Post('replay')
  @Roles('admin')
  @HttpCode(202)
  @ApiOperation({
    summary: 'What-if replay of a candidate threshold set',
    description:
      'Replays the recorded events of a window (or a supplied batch) against the candidate set and the current settings, as a tuningReplay workflow. Poll GET /v1/tuning/replays/:id for progress (percent, events/s) and the result: per detector the cases each set would have raised, and the confirmed cases the candidate would miss.',
  })
  @ApiAcceptedResponse({ description: 'The replay, running.' })
  @ApiErrorResponses(400, 503)
  startReplay(
    @Body() body: ReplayRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<TuningReplay> {
    return this.tuning.startReplay(body, principal.actor);
  }

  @Get('replays/:id')
  @Roles(...CONFIG_READERS)
  @ApiOperation({ summary: 'A what-if replay: progress while it runs, then its result' })
  @ApiOkResponse({ description: 'The replay.' })
  @ApiErrorResponses(404)
  replay(@Param('id') id: string): Promise<TuningReplay> {
    return this.tuning.replay(id);
  }
}
