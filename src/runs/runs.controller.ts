import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import { BackfillResultDto, RUN_EXAMPLE, RunDto, RunPageDto } from './dto/run-response.dto';
import type { Response } from 'express';
import { ValidationFailedError } from '../common/errors';
import { TriggerKeyParams } from '../common/http/trigger-key.dto';
import { PageQueryDto } from '../common/http/page-query.dto';
import { BackfillBodyDto, FireBodyDto } from './dto/runs.dto';
import type { RunResponse } from './run.mapper';
import { BackfillResult, RunPage, RunsService } from './runs.service';

function idempotencyKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!/^[\x20-\x7e]{1,255}$/.test(header)) {
    throw ValidationFailedError.of('Idempotency-Key', 'must be 1–255 printable ASCII characters');
  }
  return header;
}

@ApiTags('runs')
@Controller('triggers/:project/:domain/:taskName/:name')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Get('runs')
  @ApiOperation({
    summary: "The trigger's runs, newest scheduled first, paged",
    description: 'Also for a deleted trigger; 404 only for one that never existed.',
  })
  @ApiOkResponse({ type: RunPageDto, example: { runs: [RUN_EXAMPLE], token: null } })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  list(@Param() path: TriggerKeyParams, @Query() query: PageQueryDto): Promise<RunPage> {
    return this.runs.list(path, query.pageSize(), query.token);
  }

  @Post('fire')
  @ApiOperation({
    summary: 'Create a MANUAL run now (201; 200 with the same run on a repeated key)',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1–255 printable ASCII; a repeat (per trigger, kept ≥ 24 h) returns the same run',
  })
  @ApiCreatedResponse({ type: RunDto, example: { ...RUN_EXAMPLE, source: 'MANUAL' } })
  @ApiOkResponse({ type: RunDto, description: 'the run created earlier with this key' })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  async fire(
    @Param() path: TriggerKeyParams,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @Body() body: FireBodyDto,
  ): Promise<RunResponse> {
    const { run, created } = await this.runs.fire(
      path,
      idempotencyKeyOf(key),
      // the body is optional: absent, it is undefined
      (body as FireBodyDto | undefined)?.overlapPolicy ?? null,
    );
    res.status(created ? 201 : 200);
    return run;
  }

  @Post('backfill')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Create BACKFILL runs for the slots in [from, to)',
    description:
      'SCHEDULE triggers only (active or not); at most 1,000 slots; `to` not in the future. ' +
      'Slots that already have a run are listed in `skipped`. `dryRun` creates nothing. ' +
      "The answer stays bounded: when the runs' `inputs` and `runSpec` together exceed 1 MiB, " +
      'they are left out of `runs` and `payloadsOmitted` is true (read them with `GET …/runs`).',
  })
  @ApiOkResponse({
    type: BackfillResultDto,
    example: {
      runs: [{ ...RUN_EXAMPLE, source: 'BACKFILL' }],
      skipped: [{ scheduledAt: '2026-07-02T09:00:00.000Z', runName: 'r0c1d2e3f4a5b6c7d' }],
      payloadsOmitted: false,
    },
  })
  @ApiErrors(
    'VALIDATION_FAILED',
    'INVALID_SCHEDULE',
    'TRIGGER_NOT_FOUND',
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  )
  backfill(
    @Param() path: TriggerKeyParams,
    @Body() body: BackfillBodyDto,
  ): Promise<BackfillResult> {
    return this.runs.backfill(path, body);
  }
}
