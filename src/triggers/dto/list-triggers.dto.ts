import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { TriggerDetailsDto } from './trigger-details.dto';
import { PROJECT_PATTERN, TASK_NAME_PATTERN } from './trigger-name.dto';
import { HasNoNulChar, IsIntString } from './validators';

export const SORT_FIELDS = ['name', 'taskName', 'deployedAt', 'updatedAt', 'triggeredAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
const SORT_PATTERN = new RegExp(`^(${SORT_FIELDS.join('|')})(:(asc|desc))?$`);

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_TOKEN_LENGTH = 2048;

/** Paging query parameters shared by every list. */
export class PageQueryDto {
  @ApiPropertyOptional({ example: '50', description: '1–500, default 50' })
  @IsOptional()
  @IsIntString(1, MAX_PAGE_SIZE)
  limit?: string;

  @ApiPropertyOptional({ description: 'the `token` of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_TOKEN_LENGTH)
  token?: string;
}

/** Query of `GET /triggers`. */
export class ListTriggersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'billing' })
  @IsOptional()
  @IsString()
  @Matches(PROJECT_PATTERN, { message: 'project is not a valid project name' })
  project?: string;

  @ApiPropertyOptional({ example: 'production' })
  @IsOptional()
  @IsString()
  @Matches(PROJECT_PATTERN, { message: 'domain is not a valid domain name' })
  domain?: string;

  @ApiPropertyOptional({ example: 'export.nightly' })
  @IsOptional()
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: 'taskName is not a valid task name' })
  taskName?: string;

  @ApiPropertyOptional({ example: 'v7' })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  @HasNoNulChar()
  taskVersion?: string;

  @ApiPropertyOptional({
    example: 'nightly',
    description: "a part of the trigger's name, any case (name search)",
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  @HasNoNulChar()
  nameContains?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';

  @ApiPropertyOptional({ enum: ['SCHEDULE', 'NONE'] })
  @IsOptional()
  @IsIn(['SCHEDULE', 'NONE'])
  automationType?: 'SCHEDULE' | 'NONE';

  @ApiPropertyOptional({
    example: 'updatedAt:desc',
    description:
      '`field:asc|desc` (`field` alone is ascending), field one of name, taskName, deployedAt, ' +
      'updatedAt, triggeredAt (never triggered sorts first ascending); ties are broken by the ' +
      'name parts in the same direction. Default: active first, then newest update.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  @Matches(SORT_PATTERN, {
    message: `sort must be field:asc|desc with field one of ${SORT_FIELDS.join(', ')}`,
  })
  sort?: string;
}

export class TriggerListDto {
  @ApiProperty({ type: () => [TriggerDetailsDto] })
  triggers!: TriggerDetailsDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'pass as `token` for the next page; null on the last page',
  })
  token!: string | null;
}
