import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { allowedProjects } from '../auth/caller';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import { CancelBodyDto, RunIdParams } from '../delivery/dto/lease.dto';
import { ListRunsQueryDto } from './dto/list-runs.dto';
import {
  RUN_VIEW_EXAMPLE,
  RunDetailsViewDto,
  RunViewDto,
  RunViewPageDto,
} from './dto/run-view.dto';
import { RunLifecycleService } from './lifecycle/run-lifecycle.service';
import { RunQueriesService, type RunViewPage } from './lifecycle/run-queries.service';
import { toRunView, type AttemptView, type RunView } from './lifecycle/run-view';

/** Runs by id and across triggers, and cancel (docs/delivery.md). */
@ApiTags('runs')
@Controller('runs')
export class RunLifecycleController {
  constructor(
    private readonly queries: RunQueriesService,
    private readonly lifecycle: RunLifecycleService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Runs across triggers, newest scheduled first, keyset paged',
    description: 'Filters combine; a project-scoped key sees only its projects.',
  })
  @ApiOkResponse({ type: RunViewPageDto, example: { runs: [RUN_VIEW_EXAMPLE], token: null } })
  @ApiErrors('VALIDATION_FAILED', ...COMMON_ERRORS)
  list(@Query() query: ListRunsQueryDto, @Req() req: Request): Promise<RunViewPage> {
    return this.queries.list(
      {
        queue: query.queue,
        state: query.state,
        project: query.project,
        domain: query.domain,
        taskName: query.taskName,
        projects: allowedProjects(req),
      },
      query.pageSize(),
      query.token,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'A run with its attempts' })
  @ApiOkResponse({
    type: RunDetailsViewDto,
    example: {
      ...RUN_VIEW_EXAMPLE,
      attempts: [
        {
          number: 1,
          workerId: 'worker-7f3a',
          startedAt: '2026-07-01T09:00:00.020Z',
          endedAt: null,
          outcome: null,
        },
      ],
    },
  })
  @ApiErrors('RUN_NOT_FOUND', ...COMMON_ERRORS)
  get(
    @Param() path: RunIdParams,
    @Req() req: Request,
  ): Promise<RunView & { attempts: AttemptView[] }> {
    return this.queries.get(path.id, allowedProjects(req));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a run',
    description:
      'PENDING or BUFFERED: CANCELLED at once. RUNNING: cancelRequested is set (heartbeats ' +
      'report it) and the run is CANCELLED when its attempt ends or its lease expires.',
  })
  @ApiOkResponse({ type: RunViewDto, example: { ...RUN_VIEW_EXAMPLE, cancelRequested: true } })
  @ApiErrors('VALIDATION_FAILED', 'RUN_NOT_FOUND', 'RUN_FINAL', ...BODY_ERRORS, ...COMMON_ERRORS)
  async cancel(
    @Param() path: RunIdParams,
    @Body() body: CancelBodyDto,
    @Req() req: Request,
  ): Promise<RunView> {
    await this.queries.find(path.id, allowedProjects(req));
    return toRunView(await this.lifecycle.cancel(path.id, body.reason ?? null));
  }
}
