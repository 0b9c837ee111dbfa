import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_REVISION } from './trigger-name.dto';
import { PoliciesDto } from './policies.dto';
import { IsStringMap, KeepAsSent, MaxEntries, MaxJsonBytes } from './validators';
import {
  deliveryClassOf,
  DeliveryBaseDto,
  QueueDeliveryDto,
  RetryConfigDto,
  WebhookDeliveryDto,
} from './delivery.dto';
import { EventFilterDto } from './event-filter.dto';

export const MAX_INPUTS_BYTES = 64 * 1024;
/** Each runSpec map (envs, labels, annotations): entries and serialized bytes (docs/api-limits.md). */
export const MAX_RUN_SPEC_MAP_ENTRIES = 128;
export const MAX_RUN_SPEC_MAP_BYTES = 16 * 1024;

const RUN_SPEC_MAP_LIMITS = `at most ${MAX_RUN_SPEC_MAP_ENTRIES} entries and ${MAX_RUN_SPEC_MAP_BYTES / 1024} KiB serialized`;

export class RunSpecDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { LOG_LEVEL: 'debug' },
    description: RUN_SPEC_MAP_LIMITS,
  })
  @IsOptional()
  @KeepAsSent()
  @IsStringMap()
  @MaxEntries(MAX_RUN_SPEC_MAP_ENTRIES)
  @MaxJsonBytes(MAX_RUN_SPEC_MAP_BYTES)
  envs?: Record<string, string> | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { team: 'data' },
    description: RUN_SPEC_MAP_LIMITS,
  })
  @IsOptional()
  @KeepAsSent()
  @IsStringMap()
  @MaxEntries(MAX_RUN_SPEC_MAP_ENTRIES)
  @MaxJsonBytes(MAX_RUN_SPEC_MAP_BYTES)
  labels?: Record<string, string> | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: {},
    description: RUN_SPEC_MAP_LIMITS,
  })
  @IsOptional()
  @KeepAsSent()
  @IsStringMap()
  @MaxEntries(MAX_RUN_SPEC_MAP_ENTRIES)
  @MaxJsonBytes(MAX_RUN_SPEC_MAP_BYTES)
  annotations?: Record<string, string> | null;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  interruptible?: boolean | null;

  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  overwriteCache?: boolean | null;

  @ApiPropertyOptional({ example: 'eu-west', maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cluster?: string | null;
}

/** What to run (product.md §2 "spec"). */
@ApiExtraModels(QueueDeliveryDto, WebhookDeliveryDto)
export class TriggerSpecDto {
  @ApiProperty({ example: 'v7', minLength: 1, maxLength: 63 })
  @IsString()
  @Length(1, 63)
  taskVersion!: string;

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'task inputs, at most 64 KiB serialized',
    example: { region: 'eu' },
  })
  @IsOptional()
  @KeepAsSent()
  @IsObject()
  @MaxJsonBytes(MAX_INPUTS_BYTES)
  inputs?: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: () => RunSpecDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RunSpecDto)
  runSpec?: RunSpecDto | null;

  @ApiPropertyOptional({ example: 'nightly export', maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string | null;

  @ApiPropertyOptional({
    oneOf: [{ $ref: getSchemaPath(QueueDeliveryDto) }, { $ref: getSchemaPath(WebhookDeliveryDto) }],
    discriminator: { propertyName: 'type' },
    description:
      'where runs go: a queue that workers lease, or a webhook Sundial calls (docs/webhooks.md); absent: { type: QUEUE, queue: default, expireAfter: 24h }',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(deliveryClassOf)
  delivery?: DeliveryBaseDto | null;

  @ApiPropertyOptional({
    type: () => RetryConfigDto,
    description: 'failed attempts retry per this',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryConfigDto)
  retryConfig?: RetryConfigDto | null;
}

export class CronDto {
  @ApiProperty({
    example: '0 9 * * 1-5',
    maxLength: 1024,
    description:
      '5 or 6 fields, a descriptor (@daily, @every 90s), optionally prefixed CRON_TZ=<zone>',
  })
  @IsString()
  expression!: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    maxLength: 128,
    description: 'IANA time zone, default UTC',
  })
  @IsOptional()
  @IsString()
  timezone?: string | null;
}

export class RateDto {
  // Integer and range are checked by the schedule module (INVALID_SCHEDULE); only the JSON type here.
  @ApiProperty({
    example: 5,
    minimum: 1,
    description: 'an integer ≥ 1; the period is at most 8 years',
  })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  value!: number;

  @ApiProperty({ enum: ['MINUTE', 'HOUR', 'DAY'], example: 'MINUTE' })
  @IsString()
  unit!: string;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description:
      'ISO 8601 with a zone, 1900 to before 2200 and at most 8 years ahead; the grid is anchored on it',
  })
  @IsOptional()
  @IsString()
  startTime?: string | null;
}

export class ScheduleDto {
  @ApiPropertyOptional({ type: () => CronDto, description: 'exactly one of cron, rate and at' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CronDto)
  cron?: CronDto | null;

  @ApiPropertyOptional({ type: () => RateDto, description: 'exactly one of cron, rate and at' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RateDto)
  rate?: RateDto | null;

  @ApiPropertyOptional({
    example: '2026-12-24T18:00:00Z',
    description:
      'a one-time schedule (exactly one of cron, rate and at): fires once at this future instant (ISO 8601 with a zone), then the trigger deactivates itself',
  })
  @IsOptional()
  @IsString()
  at?: string | null;

  @ApiPropertyOptional({
    example: 'kickoff_time',
    description: 'the input that receives the scheduled time (ISO 8601)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  kickoffTimeInputArg?: string | null;
}

/** When to run (product.md §2 "automationSpec"). */
export class AutomationSpecDto {
  @ApiProperty({
    enum: ['SCHEDULE', 'NONE', 'EVENT'],
    example: 'SCHEDULE',
    description: 'SCHEDULE: fires on its schedule; NONE: manual only; EVENT: on matching events',
  })
  @IsString()
  @IsIn(['SCHEDULE', 'NONE', 'EVENT'])
  type!: 'SCHEDULE' | 'NONE' | 'EVENT';

  @ApiPropertyOptional({
    type: () => ScheduleDto,
    description: 'required for SCHEDULE, absent for NONE and EVENT',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ScheduleDto)
  schedule?: ScheduleDto | null;

  @ApiPropertyOptional({
    type: () => EventFilterDto,
    description: 'required for EVENT, absent otherwise (docs/events.md)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => EventFilterDto)
  event?: EventFilterDto | null;

  @ApiPropertyOptional({
    type: () => PoliciesDto,
    description: 'overlap, missed slots, jitter, active window, run limit (docs/policies.md)',
    example: { overlapPolicy: 'SKIP', misfirePolicy: 'FIRE_LATEST', jitter: '30s' },
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PoliciesDto)
  policies?: PoliciesDto | null;
}

/** Body of `PUT /triggers/{project}/{domain}/{taskName}/{name}`. */
export class DeployTriggerDto {
  @ApiPropertyOptional({
    example: 3,
    minimum: 0,
    maximum: MAX_REVISION,
    nullable: true,
    description:
      'expected current revision: absent, null or 0 = unconditional; may come as If-Match instead',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_REVISION)
  revision?: number | null;

  @ApiProperty({ type: () => TriggerSpecDto })
  @IsObject()
  @ValidateNested()
  @Type(() => TriggerSpecDto)
  spec!: TriggerSpecDto;

  @ApiProperty({ type: () => AutomationSpecDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AutomationSpecDto)
  automationSpec!: AutomationSpecDto;
}
