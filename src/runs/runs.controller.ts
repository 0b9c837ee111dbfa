import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ValidationFailedError } from '../common/errors';
import { TriggerKeyParams } from '../triggers/dto/trigger-name.dto';
import { BackfillBodyDto, ListRunsQueryDto } from './dto/runs.dto';
import type { RunResponse } from './run.mapper';
import { BackfillResult, RunPage, RunsService } from './runs.service';

const MAX_LIMIT = 500;
const DEFAULT_LIMIT = 50;

function limitOf(query: ListRunsQueryDto): number {
  if (query.limit === undefined) return DEFAULT_LIMIT;
  const n = Number(query.limit);
  if (n > MAX_LIMIT) throw ValidationFailedError.of('limit', 'must be an integer from 1 to 500');
  return n;
}

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
  @ApiOperation({ summary: "The trigger's runs, newest scheduled first, paged" })
  list(@Param() path: TriggerKeyParams, @Query() query: ListRunsQueryDto): Promise<RunPage> {
    return this.runs.list(path, limitOf(query), query.token);
  }

  @Post('fire')
  @ApiOperation({
    summary: 'Create a MANUAL run now (201; 200 with the same run on a repeated key)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async fire(
    @Param() path: TriggerKeyParams,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RunResponse> {
    const { run, created } = await this.runs.fire(path, idempotencyKeyOf(key));
    res.status(created ? 201 : 200);
    return run;
  }

  @Post('backfill')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create BACKFILL runs for the slots in [from, to)' })
  backfill(
    @Param() path: TriggerKeyParams,
    @Body() body: BackfillBodyDto,
  ): Promise<BackfillResult> {
    return this.runs.backfill(path, body);
  }
}
