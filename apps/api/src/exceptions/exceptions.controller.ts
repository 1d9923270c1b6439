import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/openapi';
import { ReportExceptionDto, ReportExceptionResponseDto } from './dto/report-exception.dto';
import { ExceptionsService } from './exceptions.service';
import { Roles } from '../auth/roles';

@ApiTags('exceptions')
@Controller('v1/exceptions')
export class ExceptionsController {
  constructor(private readonly exceptions: ExceptionsService) {}

  @Post()
  @Roles('ingest')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Report an exception',
    description:
      'Opens a case for the exception, or adds an occurrence to the open case with the same fingerprint.',
  })
  @ApiAcceptedResponse({ type: ReportExceptionResponseDto })
  @ApiErrorResponses(400, 415, 503)
  report(@Body() body: ReportExceptionDto): Promise<ReportExceptionResponseDto> {
    return this.exceptions.report(body);
  }
}
