import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '../common/errors';
import { allowedProjects } from '../auth/caller';
import { durationMs } from '../common/is-duration';
import { RUN_VIEW_EXAMPLE, RunViewDto } from '../runs/dto/run-view.dto';
import { RunLifecycleService } from '../runs/lifecycle/run-lifecycle.service';
import { toRunView, type RunView } from '../runs/lifecycle/run-view';
import { LeaseService } from '../runs/lease/lease.service';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import {
  COMPLETE_MANY_EXAMPLE,
  CompleteManyBodyDto,
  CompleteManyResponseDto,
} from './dto/complete-many.dto';
import {
  CompleteBodyDto,
  FailBodyDto,
  HeartbeatBodyDto,
  LeaseBodyDto,
  QueueParams,
  ReleaseBodyDto,
  RunIdParams,
} from './dto/lease.dto';
import {
  HeartbeatResponseDto,
  LEASE_EXAMPLE,
  LeaseResponseDto,
  QueuesResponseDto,
} from './dto/lease-response.dto';

const ms = (value: string | undefined, fallback: number): number =>
  value === undefined ? fallback : (durationMs(value) ?? fallback);

const WORKER_ERRORS = [
  'VALIDATION_FAILED',
  'RUN_NOT_FOUND',
  'LEASE_LOST',
  ...BODY_ERRORS,
  ...COMMON_ERRORS,
] as const;

/**
 * The worker lease API (docs/delivery.md "Lease API"): thin, every decision is in LeaseService
 * and RunLifecycleService (also used in-process by built-in workers).
 */
@ApiTags('workers')
@Controller()
export class LeaseController {
  constructor(
    private readonly leases: LeaseService,
    private readonly lifecycle: RunLifecycleService,
  ) {}

  @Post('queues/:queue/lease')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Lease up to max due runs of a queue (long poll with wait)',
    description:
      'Oldest notBefore first, each run to exactly one caller. With wait, an empty queue holds ' +
      'the request until a run is due (answered within milliseconds) or the wait ends.',
  })
  @ApiOkResponse({ type: LeaseResponseDto, example: LEASE_EXAMPLE })
  @ApiErrors('VALIDATION_FAILED', ...BODY_ERRORS, ...COMMON_ERRORS)
  async lease(
    @Param() path: QueueParams,
    @Body() body: LeaseBodyDto,
    @Req() req: Request,
  ): Promise<{ leases: { run: RunView; leaseToken: string; leaseExpiresAt: string }[] }> {
    const granted = await this.leases.lease({
      queue: path.queue,
      workerId: body.workerId,
      max: body.max ?? 1,
      leaseMs: ms(body.leaseDuration, 60_000),
      waitMs: ms(body.wait, 0),
      projects: allowedProjects(req),
    });
    return {
      leases: granted.map((g) => ({
        run: toRunView(g.run),
        leaseToken: g.leaseToken,
        leaseExpiresAt: new Date(g.leaseExpiresAt).toISOString(),
      })),
    };
  }

  @Get('queues')
  @ApiOperation({ summary: 'Depth and age of every queue with pending or running runs' })
  @ApiOkResponse({
    type: QueuesResponseDto,
    example: {
      queues: [
        {
          queue: 'default',
          pending: 12,
          running: 3,
          oldestPendingNotBefore: '2026-07-01T08:59:00.000Z',
        },
      ],
    },
  })
  @ApiErrors(...COMMON_ERRORS)
  async queues(@Req() req: Request): Promise<{
    queues: {
      queue: string;
      pending: number;
      running: number;
      oldestPendingNotBefore: string | null;
    }[];
  }> {
    const stats = await this.leases.queues(allowedProjects(req));
    return {
      queues: stats.map((s) => ({
        queue: s.queue,
        pending: s.pending,
        running: s.running,
        oldestPendingNotBefore: s.oldestPendingNotBefore
          ? new Date(s.oldestPendingNotBefore).toISOString()
          : null,
      })),
    };
  }

  @Post('runs/:id/heartbeat')
  @HttpCode(200)
  @ApiOperation({ summary: 'Extend a lease; reports cancelRequested' })
  @ApiOkResponse({
    type: HeartbeatResponseDto,
    example: { leaseExpiresAt: '2026-07-01T09:02:00.020Z', cancelRequested: false },
  })
  @ApiErrors(...WORKER_ERRORS)
  async heartbeat(
    @Param() path: RunIdParams,
    @Body() body: HeartbeatBodyDto,
  ): Promise<{ leaseExpiresAt: string; cancelRequested: boolean }> {
    const extend = body.extendBy === undefined ? null : ms(body.extendBy, 60_000);
    const beat = await this.leases.heartbeat(path.id, body.leaseToken, extend);
    return {
      leaseExpiresAt: new Date(beat.leaseExpiresAt).toISOString(),
      cancelRequested: beat.cancelRequested,
    };
  }

  @Post('runs/:id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete the leased attempt: the run is SUCCEEDED' })
  @ApiOkResponse({
    type: RunViewDto,
    example: { ...RUN_VIEW_EXAMPLE, state: 'SUCCEEDED', result: { rows: 1200 } },
  })
  @ApiErrors(...WORKER_ERRORS)
  async complete(@Param() path: RunIdParams, @Body() body: CompleteBodyDto): Promise<RunView> {
    return toRunView(await this.lifecycle.complete(path.id, body.leaseToken, body.result ?? null));
  }

  @Post('runs/complete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Complete up to 500 leased attempts in one request (one commit)',
    description:
      'Each completion is fenced by its own lease token, exactly like POST /runs/{id}/complete: ' +
      'one that does not hold changes nothing and answers its own 409 LEASE_LOST or 404 ' +
      'RUN_NOT_FOUND in `runs[]`, while the others succeed. The answer is 200 whenever the ' +
      'body is valid.',
  })
  @ApiOkResponse({ type: CompleteManyResponseDto, example: COMPLETE_MANY_EXAMPLE })
  @ApiErrors('VALIDATION_FAILED', ...BODY_ERRORS, ...COMMON_ERRORS)
  async completeMany(@Body() body: CompleteManyBodyDto): Promise<{
    runs: {
      id: string;
      status: number;
      run?: RunView;
      error?: { code: string; message: string };
    }[];
  }> {
    const outcomes = await this.lifecycle.completeMany(
      body.runs.map((r) => ({ id: r.id, leaseToken: r.leaseToken, result: r.result ?? null })),
    );
    return {
      runs: outcomes.map((o, i) =>
        o instanceof DomainError
          ? {
              id: body.runs[i].id,
              status: o.code === 'LEASE_LOST' ? 409 : 404,
              error: { code: o.code, message: o.message },
            }
          : { id: o.publicId, status: 200, run: toRunView(o) },
      ),
    };
  }

  @Post('runs/:id/fail')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Fail the leased attempt: PENDING for a retry (see notBefore), or FAILED',
  })
  @ApiOkResponse({
    type: RunViewDto,
    example: {
      ...RUN_VIEW_EXAMPLE,
      state: 'PENDING',
      notBefore: '2026-07-01T09:00:05.020Z',
      error: { message: 'upstream timed out', type: 'TIMEOUT' },
    },
  })
  @ApiErrors(...WORKER_ERRORS)
  async fail(@Param() path: RunIdParams, @Body() body: FailBodyDto): Promise<RunView> {
    const { message, type, retryable } = body.error;
    const run = await this.lifecycle.fail(
      path.id,
      body.leaseToken,
      type === undefined ? { message } : { message, type },
      retryable ?? true,
      body.retryAfter === undefined ? null : ms(body.retryAfter, 0),
    );
    return toRunView(run);
  }

  @Post('runs/:id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give the run back: PENDING again, not counted as a failure' })
  @ApiOkResponse({ type: RunViewDto, example: { ...RUN_VIEW_EXAMPLE, state: 'PENDING' } })
  @ApiErrors(...WORKER_ERRORS)
  async release(@Param() path: RunIdParams, @Body() body: ReleaseBodyDto): Promise<RunView> {
    return toRunView(await this.lifecycle.release(path.id, body.leaseToken));
  }
}
