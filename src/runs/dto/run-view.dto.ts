import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RUN_STATES } from '../lifecycle/run-state';
import { RUN_EXAMPLE, RunEventRefDto, RunTriggerRefDto } from './run-response.dto';

export const RUN_VIEW_EXAMPLE = {
  id: '0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55',
  ...RUN_EXAMPLE,
  state: 'RUNNING',
  queue: 'default',
  attempt: 1,
  notBefore: '2026-07-01T09:00:00.000Z',
  startedAt: '2026-07-01T09:00:00.020Z',
  finishedAt: null,
  skipReason: null,
  result: null,
  error: null,
  cancelRequested: false,
};

export class RunErrorDto {
  @ApiProperty({ example: 'upstream timed out' })
  message!: string;

  @ApiPropertyOptional({ example: 'TIMEOUT', description: 'EXPIRED, LEASE_EXPIRED, CANCELLED, …' })
  type?: string;
}

/** A run with its lifecycle (docs/delivery.md "Run states"). */
export class RunViewDto {
  @ApiProperty({ example: RUN_VIEW_EXAMPLE.id, description: 'stable, globally unique' })
  id!: string;

  @ApiProperty({ example: RUN_EXAMPLE.name })
  name!: string;

  @ApiProperty({ type: () => RunTriggerRefDto })
  trigger!: RunTriggerRefDto;

  @ApiProperty({ example: 'v7' })
  taskVersion!: string;

  @ApiProperty({ enum: ['SCHEDULE', 'MANUAL', 'BACKFILL', 'EVENT'] })
  source!: string;

  @ApiPropertyOptional({
    type: () => RunEventRefDto,
    description: 'EVENT runs only: the event (source, id) that created it (docs/events.md)',
  })
  event?: RunEventRefDto;

  @ApiProperty({ example: RUN_EXAMPLE.scheduledAt })
  scheduledAt!: string;

  @ApiProperty({ example: RUN_EXAMPLE.createdAt })
  createdAt!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: RUN_EXAMPLE.inputs })
  inputs!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  runSpec!: Record<string, unknown>;

  @ApiProperty({ enum: RUN_STATES, example: 'RUNNING' })
  state!: string;

  @ApiProperty({ example: 'default' })
  queue!: string;

  @ApiProperty({ example: 1, description: 'attempts started so far' })
  attempt!: number;

  @ApiProperty({ example: RUN_VIEW_EXAMPLE.notBefore, description: 'earliest hand-out time' })
  notBefore!: string;

  @ApiProperty({ nullable: true, type: String, example: RUN_VIEW_EXAMPLE.startedAt })
  startedAt!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  finishedAt!: string | null;

  @ApiProperty({ nullable: true, type: String, example: null, description: 'why SKIPPED' })
  skipReason!: string | null;

  @ApiProperty({ nullable: true, description: 'what the completing attempt reported (any JSON)' })
  result!: unknown;

  @ApiProperty({ nullable: true, type: () => RunErrorDto })
  error!: RunErrorDto | null;

  @ApiProperty({ example: false })
  cancelRequested!: boolean;
}

export class AttemptDto {
  @ApiProperty({ example: 1 })
  number!: number;

  @ApiProperty({ example: 'worker-7f3a' })
  workerId!: string;

  @ApiProperty({ example: '2026-07-01T09:00:00.020Z' })
  startedAt!: string;

  @ApiProperty({ nullable: true, type: String, example: null })
  endedAt!: string | null;

  @ApiProperty({
    nullable: true,
    enum: ['SUCCEEDED', 'FAILED', 'LEASE_EXPIRED', 'RELEASED', 'CANCELLED'],
    description: 'null while the attempt holds its lease',
  })
  outcome!: string | null;

  @ApiPropertyOptional({ type: () => RunErrorDto })
  error?: RunErrorDto;
}

export class RunDetailsViewDto extends RunViewDto {
  @ApiProperty({ type: () => [AttemptDto] })
  attempts!: AttemptDto[];
}

export class RunViewPageDto {
  @ApiProperty({ type: () => [RunViewDto] })
  runs!: RunViewDto[];

  @ApiProperty({ nullable: true, type: String, description: 'the next page, or null' })
  token!: string | null;
}
