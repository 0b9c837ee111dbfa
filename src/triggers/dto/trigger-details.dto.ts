import { PoliciesViewDto } from './policies.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TriggerNameDto } from '../../common/http/trigger-key.dto';

const TIME = { type: String, format: 'date-time', example: '2026-11-25T09:00:00.000Z' } as const;
const NULLABLE_TIME = { ...TIME, nullable: true } as const;

export class TriggerIdDto {
  @ApiProperty({ type: () => TriggerNameDto })
  name!: TriggerNameDto;

  @ApiProperty({ example: 4, description: 'the revision these details are at' })
  revision!: number;
}

export class TriggerMetadataDto {
  @ApiProperty({ example: 'ci-bot', description: 'who first deployed it (anonymous without auth)' })
  deployedBy!: string;

  @ApiProperty({ example: 'ci-bot', description: 'who made the latest revision' })
  updatedBy!: string;
}

export class RunSpecViewDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { LOG_LEVEL: 'debug' },
  })
  envs?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: {} })
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: {} })
  annotations?: Record<string, string>;

  @ApiPropertyOptional({ example: true })
  interruptible?: boolean;

  @ApiPropertyOptional({ example: false })
  overwriteCache?: boolean;

  @ApiPropertyOptional({ example: 'eu-west' })
  cluster?: string;
}

export class TriggerSpecViewDto {
  @ApiProperty({ example: 'v7' })
  taskVersion!: string;

  @ApiProperty({ example: true })
  active!: boolean;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { region: 'eu' } })
  inputs!: Record<string, unknown>;

  @ApiProperty({ type: () => RunSpecViewDto })
  runSpec!: RunSpecViewDto;

  @ApiProperty({ example: 'nightly export' })
  description!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { type: 'QUEUE', queue: 'default', expireAfter: '24h' },
    description: 'shown when deployed with one (defaults filled in); absent: the default queue',
  })
  delivery?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: {
      retryCount: 3,
      minBackoffDuration: '5s',
      maxBackoffDuration: '1h',
      maxDoublings: 5,
      maxRetryDuration: '0s',
    },
    description: 'shown when deployed with one (defaults filled in)',
  })
  retryConfig?: Record<string, unknown>;
}

export class CronViewDto {
  @ApiProperty({ example: '0 9 * * 1-5' })
  expression!: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: 'absent only when the expression carries CRON_TZ= or TZ=',
  })
  timezone?: string;
}

export class RateViewDto {
  @ApiProperty({ example: 5 })
  value!: number;

  @ApiProperty({ enum: ['MINUTE', 'HOUR', 'DAY'], example: 'MINUTE' })
  unit!: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z' })
  startTime?: string;
}

export class ScheduleViewDto {
  @ApiPropertyOptional({ type: () => CronViewDto })
  cron?: CronViewDto;

  @ApiPropertyOptional({ type: () => RateViewDto })
  rate?: RateViewDto;

  @ApiPropertyOptional({ example: '2026-12-24T18:00:00Z', description: 'a one-time schedule' })
  at?: string;

  @ApiPropertyOptional({ example: 'kickoff_time' })
  kickoffTimeInputArg?: string;
}

export class EventFilterViewDto {
  @ApiProperty({ example: 'com.example.object.created' })
  type!: string;

  @ApiPropertyOptional({ example: 'https://storage.example.com/buckets/*' })
  source?: string;

  @ApiPropertyOptional({ example: 'reports/*' })
  subject?: string;

  @ApiPropertyOptional({ example: 'event' })
  eventInputArg?: string;
}

export class AutomationSpecViewDto {
  @ApiProperty({ enum: ['SCHEDULE', 'NONE', 'EVENT'], example: 'SCHEDULE' })
  type!: 'SCHEDULE' | 'NONE' | 'EVENT';

  @ApiPropertyOptional({ type: () => ScheduleViewDto, description: 'SCHEDULE only' })
  schedule?: ScheduleViewDto;

  @ApiPropertyOptional({
    type: () => EventFilterViewDto,
    description: 'EVENT only: which events fire it (docs/events.md)',
  })
  event?: EventFilterViewDto;

  @ApiPropertyOptional({ type: () => PoliciesViewDto, description: 'shown when deployed with any' })
  policies?: PoliciesViewDto;
}

export class TriggerStatusDto {
  @ApiProperty({ ...TIME, description: 'first deploy ever (kept across delete and re-create)' })
  deployedAt!: string;

  @ApiProperty({ ...TIME, description: 'time of the latest revision' })
  updatedAt!: string;

  @ApiProperty({ ...NULLABLE_TIME, description: 'when it last became active (null if never)' })
  activatedAt!: string | null;

  @ApiProperty({ ...NULLABLE_TIME, description: 'when its last run (any source) was created' })
  triggeredAt!: string | null;

  @ApiProperty({
    ...NULLABLE_TIME,
    description: 'scheduled time of the last run the scheduler created',
  })
  lastScheduledAt!: string | null;

  @ApiProperty({ ...NULLABLE_TIME, example: null })
  deletedAt!: string | null;

  @ApiProperty({
    ...NULLABLE_TIME,
    example: '2026-12-01T08:00:00.000Z',
    description:
      'next scheduled fire; null when inactive, deleted, NONE, EVENT or past policies.activeUntil',
  })
  nextFireAt!: string | null;

  @ApiPropertyOptional({
    example: 7,
    description: 'with policies.maxRuns: SCHEDULE runs left before the trigger deactivates itself',
  })
  remainingRuns?: number;

  @ApiPropertyOptional({
    example: 'paused for the migration (ops-42)',
    description: 'the note of the last activate or deactivate, until the next activation change',
  })
  note?: string;
}

/** A trigger's details (GET, PUT response). */
export class TriggerDetailsDto {
  @ApiProperty({ type: () => TriggerIdDto })
  id!: TriggerIdDto;

  @ApiProperty({ type: () => TriggerMetadataDto })
  metadata!: TriggerMetadataDto;

  @ApiProperty({ type: () => TriggerSpecViewDto })
  spec!: TriggerSpecViewDto;

  @ApiProperty({ type: () => AutomationSpecViewDto })
  automationSpec!: AutomationSpecViewDto;

  @ApiProperty({ type: () => TriggerStatusDto })
  status!: TriggerStatusDto;
}
