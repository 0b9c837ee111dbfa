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
