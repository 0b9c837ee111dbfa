import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsDuration } from '../../common/is-duration';

/** Overlap policies (docs/policies.md "Overlap"), Temporal's names. */
export const OVERLAP_POLICIES = [
  'ALLOW_ALL',
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Misfire policies (docs/policies.md "Missed slots"). */
export const MISFIRE_POLICIES = ['FIRE_ALL', 'FIRE_LATEST', 'SKIP'] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

export const MAX_CONCURRENT_RUNS = 1_000;
export const MAX_RUNS = 1_000_000_000;
const EIGHT_YEARS_MS = 8 * 365 * 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/** `automationSpec.policies`: every field optional (docs/policies.md). */
export class PoliciesDto {
  @ApiPropertyOptional({
    enum: OVERLAP_POLICIES,
    example: 'SKIP',
    description:
      'default ALLOW_ALL: what a new scheduled or manual run does while maxConcurrentRuns runs of the trigger are active (PENDING, BUFFERED, RUNNING)',
  })
  @IsOptional()
  @IsString()
  @IsIn(OVERLAP_POLICIES)
  overlapPolicy?: OverlapPolicy | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_CONCURRENT_RUNS,
    example: 1,
    description: 'default 1: how many runs may be active before the overlap policy applies',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CONCURRENT_RUNS)
  maxConcurrentRuns?: number | null;

  @ApiPropertyOptional({
    example: '10m',
    description:
      'a missed slot older than this is SKIPPED (MISSED_CATCHUP_WINDOW); default unlimited',
  })
  @IsOptional()
  @IsDuration(1_000, EIGHT_YEARS_MS)
  catchupWindow?: string | null;

  @ApiPropertyOptional({
    enum: MISFIRE_POLICIES,
    example: 'FIRE_LATEST',
    description:
      'default FIRE_ALL; missed slots (created more than TRIGGER_SCHEDULER_MISFIRE_THRESHOLD late): FIRE_ALL runs each, FIRE_LATEST only the latest, SKIP none',
  })
  @IsOptional()
  @IsString()
  @IsIn(MISFIRE_POLICIES)
  misfirePolicy?: MisfirePolicy | null;

  @ApiPropertyOptional({
    example: '30s',
    description:
      "each slot's run gets notBefore = slot + a deterministic offset in [0, jitter); below the schedule's shortest gap",
  })
  @IsOptional()
  @IsDuration(1, DAY_MS)
  jitter?: string | null;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'no slots before this instant (ISO 8601 with a zone)',
  })
  @IsOptional()
  @IsString()
  activeFrom?: string | null;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'no slots at or after this instant; after it nextFireAt is null',
  })
  @IsOptional()
  @IsString()
  activeUntil?: string | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_RUNS,
    example: 10,
    description:
      'after this many SCHEDULE runs (not skipped) the trigger deactivates itself (actor sundial); status.remainingRuns counts down',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RUNS)
  maxRuns?: number | null;

  @ApiPropertyOptional({
    example: true,
    description:
      'a run that ends FAILED deactivates the trigger (actor sundial, a note naming the run)',
  })
  @IsOptional()
  @IsBoolean()
  pauseOnFailure?: boolean | null;
}

/** The policies as responses show them: only the fields that were given. */
export class PoliciesViewDto {
  @ApiPropertyOptional({ enum: OVERLAP_POLICIES, example: 'SKIP' })
  overlapPolicy?: OverlapPolicy;

  @ApiPropertyOptional({ example: 1 })
  maxConcurrentRuns?: number;

  @ApiPropertyOptional({ example: '10m' })
  catchupWindow?: string;

  @ApiPropertyOptional({ enum: MISFIRE_POLICIES, example: 'FIRE_LATEST' })
  misfirePolicy?: MisfirePolicy;

  @ApiPropertyOptional({ example: '30s' })
  jitter?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' })
  activeFrom?: string;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z' })
  activeUntil?: string;

  @ApiPropertyOptional({ example: 10 })
  maxRuns?: number;

  @ApiPropertyOptional({ example: true })
  pauseOnFailure?: boolean;
}
