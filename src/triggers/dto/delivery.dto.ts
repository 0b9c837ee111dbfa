import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { TypeHelpOptions } from 'class-transformer';
import { IsDuration } from '../../common/is-duration';
import { IsStringMap } from './validators';

/** Delivery types accepted today; WEBHOOK joins as another subtype (docs/delivery.md). */
export const DELIVERY_TYPES = ['QUEUE', 'WEBHOOK'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

const QUEUE_PATTERN = /^[a-z0-9-]{1,63}$/;
/** expireAfter: at most a year (EventBridge's maximum event age is 24 h; longer is allowed). */
const MAX_EXPIRE_MS = 366 * 24 * 3_600_000;

/** What every delivery has: its type (the discriminator) and expireAfter. */
export class DeliveryBaseDto {
  @ApiProperty({ enum: DELIVERY_TYPES, example: 'QUEUE' })
  @IsString()
  @IsIn(DELIVERY_TYPES)
  type!: DeliveryType;

  @ApiPropertyOptional({
    example: '24h',
    default: '24h',
    description: 'a run still PENDING this long after its notBefore is FAILED (EXPIRED); 0 = never',
  })
  @IsOptional()
  @IsDuration(0, MAX_EXPIRE_MS)
  expireAfter?: string;
}

/** `{ type: QUEUE, queue }`: workers lease the runs from the queue. */
export class QueueDeliveryDto extends DeliveryBaseDto {
  @ApiPropertyOptional({ example: 'default', default: 'default', pattern: QUEUE_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_PATTERN, { message: 'queue must be 1–63 characters of a-z, 0-9 and -' })
  queue?: string;
}

/**
 * `{ type: WEBHOOK, url, method?, headers?, timeout? }`: Sundial calls the URL when a run is due
 * (docs/webhooks.md). The address and the project's signing key are checked at deploy.
 */
export class WebhookDeliveryDto extends DeliveryBaseDto {
  @ApiProperty({ example: 'https://hooks.example.com/sundial', maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ enum: ['POST', 'PUT'], default: 'POST', example: 'POST' })
  @IsOptional()
  @IsIn(['POST', 'PUT'])
  method?: 'POST' | 'PUT';

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'x-team': 'data' },
    description:
      'extra request headers (at most 50; not webhook-*, sundial-*, content-type, host, …); stored in revisions, so no secrets',
  })
  @IsOptional()
  @IsStringMap()
  headers?: Record<string, string>;

  @ApiPropertyOptional({ example: '30s', default: '30s', description: 'the whole call, 1s–30m' })
  @IsOptional()
  @IsDuration(1_000, 30 * 60_000)
  timeout?: string;
}

/**
 * The class of `spec.delivery`, chosen by its `type` (a `@Type` function, not class-transformer's
 * discriminator option: that one reads `type` off each item of an array sent in its place, and a
 * `null` item threw, a 500; this way an array or a primitive stays as sent and fails IsObject).
 */
export function deliveryClassOf(options?: TypeHelpOptions): typeof DeliveryBaseDto {
  const value: unknown = options
    ? (options.object as Record<string, unknown>)[options.property]
    : null;
  const type =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as { type?: unknown }).type
      : undefined;
  if (type === 'QUEUE') return QueueDeliveryDto;
  if (type === 'WEBHOOK') return WebhookDeliveryDto;
  return DeliveryBaseDto;
}

/** `spec.retryConfig`, Cloud Scheduler's names and defaults (docs/delivery.md "Retries"). */
export class RetryConfigDto {
  @ApiPropertyOptional({ example: 3, default: 3, minimum: 0, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  retryCount?: number;

  @ApiPropertyOptional({ example: '5s', default: '5s' })
  @IsOptional()
  @IsDuration(0, 24 * 3_600_000)
  minBackoffDuration?: string;

  @ApiPropertyOptional({ example: '1h', default: '1h' })
  @IsOptional()
  @IsDuration(0, 24 * 3_600_000)
  maxBackoffDuration?: string;

  @ApiPropertyOptional({ example: 5, default: 5, minimum: 0, maximum: 30 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30)
  maxDoublings?: number;

  @ApiPropertyOptional({ example: '0s', default: '0s', description: '0s: unlimited' })
  @IsOptional()
  @IsDuration(0, 366 * 24 * 3_600_000)
  maxRetryDuration?: string;
}
