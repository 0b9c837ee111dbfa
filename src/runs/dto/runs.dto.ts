import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';

export class BackfillBodyDto {
  @ApiProperty({ description: 'first slot (included), ISO 8601', example: '2026-07-01T00:00:00Z' })
  @IsString()
  from!: string;

  @ApiProperty({ description: 'end (excluded), ISO 8601, not in the future' })
  @IsString()
  to!: string;

  @ApiPropertyOptional({ description: 'list the runs without creating them' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/**
 * The body of a manual fire: optional, and no fields yet. Accepting `{}` keeps clients that send
 * an empty JSON object working (the route table refuses bodies only on routes that declare none);
 * any field is an unknown-field 400.
 */
export class FireBodyDto {}
