import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';

export class ListRunsQueryDto {
  @ApiPropertyOptional({ description: '1–500, default 50', example: '50' })
  @IsOptional()
  @IsString()
  @Matches(/^[1-9]\d{0,2}$/, { message: 'must be an integer from 1 to 500' })
  limit?: string;

  @ApiPropertyOptional({ description: 'the token of the previous page' })
  @IsOptional()
  @IsString()
  token?: string;
}

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
