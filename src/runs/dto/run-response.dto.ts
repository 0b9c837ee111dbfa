import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TriggerNameDto } from '../../common/http/trigger-key.dto';

/** Swagger shapes of the runs responses (the service builds them as RunResponse). */
export class RunEventRefDto {
  @ApiProperty({ example: 'https://storage.example.com/buckets/reports' })
  source!: string;

  @ApiProperty({ example: 'b5b7e7a4-1f3c-4f7e-9d6a-0c2f1e3d4b5a' })
  id!: string;
}

export class RunTriggerRefDto {
  @ApiProperty({ type: () => TriggerNameDto })
  name!: TriggerNameDto;

  @ApiProperty({ example: 4, description: 'the revision that produced the run' })
  revision!: number;
}

export const RUN_EXAMPLE = {
  name: 'r33e6dc05117cbf71',
  trigger: { name: { project: 'p', domain: 'd', taskName: 'task', name: 'k1' }, revision: 4 },
  taskVersion: 'v7',
  source: 'SCHEDULE',
  scheduledAt: '2026-07-01T09:00:00.000Z',
  createdAt: '2026-07-01T09:00:00.012Z',
  inputs: { region: 'eu', kickoff_time: '2026-07-01T09:00:00.000Z' },
  runSpec: {},
};

export class RunDto {
  @ApiProperty({
    example: 'r33e6dc05117cbf71',
    description: "scheduled and backfill runs: Flyte's deterministic r + FNV-1 hex; manual: m…",
  })
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

  @ApiProperty({ example: '2026-07-01T09:00:00.000Z' })
  scheduledAt!: string;

  @ApiProperty({
    example: '2026-07-01T09:00:00.012Z',
    nullable: true,
    description: 'null only in a backfill dry run',
  })
  createdAt!: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: RUN_EXAMPLE.inputs,
    description: 'always present, except in a backfill answer with `payloadsOmitted: true`',
  })
  inputs?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: {},
    description: 'always present, except in a backfill answer with `payloadsOmitted: true`',
  })
  runSpec?: Record<string, unknown>;
}

export class RunPageDto {
  @ApiProperty({ type: () => [RunDto] })
  runs!: RunDto[];

  @ApiProperty({ nullable: true, type: String, description: 'the next page, or null' })
  token!: string | null;
}

export class SkippedSlotDto {
  @ApiProperty({ example: '2026-07-01T09:00:00.000Z' })
  scheduledAt!: string;

  @ApiProperty({
    example: 'r33e6dc05117cbf71',
    description:
      'the run that already has the slot (or had it: a slot at or before the latest one whose run retention deleted is skipped too)',
  })
  runName!: string;
}

export class BackfillResultDto {
  @ApiProperty({ type: () => [RunDto], description: 'created (or, in a dry run, would be)' })
  runs!: RunDto[];

  @ApiProperty({
    type: () => [SkippedSlotDto],
    description:
      'slots not backfilled: they have a run, or are at or before the latest slot whose run retention deleted',
  })
  skipped!: SkippedSlotDto[];

  @ApiProperty({
    example: false,
    description:
      "true when the runs' `inputs` and `runSpec` together exceed 1 MiB (as JSON): the runs are " +
      'then listed without them (each run has them; `GET …/runs` answers them, paged)',
  })
  payloadsOmitted!: boolean;
}
