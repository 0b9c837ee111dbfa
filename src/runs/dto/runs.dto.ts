import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../../triggers/dto/policies.dto';

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

  @ApiPropertyOptional({
    enum: OVERLAP_POLICIES,
    example: 'SKIP',
    description:
      "the overlap policy for these runs (docs/policies.md); default ALLOW_ALL, whatever the trigger's",
  })
  @IsOptional()
  @IsString()
  @IsIn(OVERLAP_POLICIES)
  overlapPolicy?: OverlapPolicy;
}

/**
 * The body of a manual fire: optional (clients may send `{}` or nothing); any other field is an
 * unknown-field 400.
 */
export class FireBodyDto {
  @ApiPropertyOptional({
    enum: OVERLAP_POLICIES,
    example: 'SKIP',
    description:
      "overrides the trigger's overlap policy for this run; a run the policy skips still answers 201, SKIPPED (docs/policies.md)",
  })
  @IsOptional()
  @IsString()
  @IsIn(OVERLAP_POLICIES)
  overlapPolicy?: OverlapPolicy;
}
