import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsDuration } from '../../common/is-duration';

/** Delivery types accepted today; WEBHOOK joins as another subtype (docs/delivery.md). */
export const DELIVERY_TYPES = ['QUEUE'] as const;
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

/** class-transformer options for `spec.delivery`: the subtype is chosen by `type`. */
export const DELIVERY_SUBTYPES = {
  discriminator: {
    property: 'type',
    subTypes: [{ value: QueueDeliveryDto, name: 'QUEUE' }],
  },
  keepDiscriminatorProperty: true,
};

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
