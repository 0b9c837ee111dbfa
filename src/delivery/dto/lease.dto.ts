import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsDuration } from '../../common/is-duration';
import { MaxJsonBytes } from '../../triggers/dto/validators';

export const QUEUE_PATTERN = /^[a-z0-9-]{1,63}$/;
export const MAX_RESULT_BYTES = 64 * 1024;
const HOUR = 3_600_000;

export class QueueParams {
  @ApiProperty({ example: 'default', description: '1–63 characters of a-z 0-9 -' })
  @IsString()
  @Matches(QUEUE_PATTERN, { message: 'queue must be 1–63 characters of a-z, 0-9 and -' })
  queue!: string;
}

export class RunIdParams {
  @ApiProperty({ example: '0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55', description: "the run's id" })
  @IsString()
  id!: string;
}

/** Body of `POST /queues/{queue}/lease`. */
export class LeaseBodyDto {
  @ApiProperty({ example: 'worker-7f3a', description: 'who leases (recorded on the attempt)' })
  @IsString()
  @Length(1, 255)
  workerId!: string;

  @ApiPropertyOptional({ example: 10, minimum: 1, maximum: 500, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  max?: number;

  @ApiPropertyOptional({ example: '60s', default: '60s', description: '1s–12h' })
  @IsOptional()
  @IsDuration(1000, 12 * HOUR)
  leaseDuration?: string;

  @ApiPropertyOptional({
    example: '20s',
    default: '0s',
    description: 'long poll: 0–20s; an empty queue holds the request until a run is due',
  })
  @IsOptional()
  @IsDuration(0, 20_000)
  wait?: string;
}

export class HeartbeatBodyDto {
  @ApiProperty({ example: 'lt_Q2hlY2sgdGhlIGRvY3M', description: 'from the lease' })
  @IsString()
  @Length(1, 200)
  leaseToken!: string;

  @ApiPropertyOptional({
    example: '60s',
    description: 'new expiry = now + this (1s–12h); default: the lease duration',
  })
  @IsOptional()
  @IsDuration(1000, 12 * HOUR)
  extendBy?: string;
}

export class CompleteBodyDto {
  @ApiProperty({ example: 'lt_Q2hlY2sgdGhlIGRvY3M' })
  @IsString()
  @Length(1, 200)
  leaseToken!: string;

  @ApiPropertyOptional({
    description: "any JSON, at most 64 KiB: the run's result",
    example: { rows: 1200 },
  })
  @IsOptional()
  @MaxJsonBytes(MAX_RESULT_BYTES)
  result?: unknown;
}

export class FailErrorDto {
  @ApiProperty({ example: 'upstream timed out', maxLength: 4096 })
  @IsString()
  @Length(1, 4096)
  message!: string;

  @ApiPropertyOptional({ example: 'TIMEOUT', maxLength: 255 })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  type?: string;

  @ApiPropertyOptional({ default: true, description: 'false: FAILED at once, no retry' })
  @IsOptional()
  @IsBoolean()
  retryable?: boolean;
}

export class FailBodyDto {
  @ApiProperty({ example: 'lt_Q2hlY2sgdGhlIGRvY3M' })
  @IsString()
  @Length(1, 200)
  leaseToken!: string;

  @ApiProperty({ type: () => FailErrorDto })
  @IsObject()
  @ValidateNested()
  @Type(() => FailErrorDto)
  error!: FailErrorDto;

  @ApiPropertyOptional({ example: '30s', description: 'retry after this instead of the backoff' })
  @IsOptional()
  @IsDuration(0, 24 * HOUR)
  retryAfter?: string;
}

export class ReleaseBodyDto {
  @ApiProperty({ example: 'lt_Q2hlY2sgdGhlIGRvY3M' })
  @IsString()
  @Length(1, 200)
  leaseToken!: string;
}

export class CancelBodyDto {
  @ApiPropertyOptional({ example: 'superseded by a manual run', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  reason?: string;
}
