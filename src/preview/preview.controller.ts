import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import { TriggerKeyParams } from '../common/http/trigger-key.dto';
import { FireTimesDto, PreviewQueryDto, PreviewScheduleDto } from './preview.dto';
import { PreviewService } from './preview.service';

const EXAMPLE = {
  fireTimes: [
    { at: '2027-03-14T07:00:00.000Z', local: '2027-03-14T03:00:00-04:00' },
    { at: '2027-03-15T06:30:00.000Z', local: '2027-03-15T02:30:00-04:00' },
  ],
};

@ApiTags('schedules')
@Controller()
export class PreviewController {
  constructor(private readonly preview: PreviewService) {}

  @Post('schedules/preview')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Validate a schedule and list its next fire times without saving anything',
    description:
      'Fire times are strictly after `from` (default now). Rates and `@every` without startTime ' +
      'are anchored on `from`. Invalid schedules give the same 400s as a deploy.',
  })
  @ApiOkResponse({ type: FireTimesDto, example: EXAMPLE })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_SCHEDULE', ...BODY_ERRORS, ...COMMON_ERRORS)
  previewSchedule(@Body() body: PreviewScheduleDto): FireTimesDto {
    return this.preview.previewSpec(body.automationSpec, body.count, body.from);
  }

  @Get('triggers/:project/:domain/:taskName/:name/preview')
  @ApiOperation({
    summary: "A trigger's next fire times",
    description:
      'Strictly after `from` (default now). An inactive trigger previews the times it would fire ' +
      'if activated at `from`; a NONE trigger is 400 INVALID_SCHEDULE.',
  })
  @ApiOkResponse({ type: FireTimesDto, example: EXAMPLE })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_SCHEDULE', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  previewTrigger(
    @Param() key: TriggerKeyParams,
    @Query() query: PreviewQueryDto,
  ): Promise<FireTimesDto> {
    return this.preview.previewTrigger(key, query.countValue(), query.from);
  }
}
