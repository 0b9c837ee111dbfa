import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ListOrder } from '../trigger-order.sql';
import { TriggerDetailsDto } from './trigger-details.dto';
import { PageQueryDto } from '../../common/http/page-query.dto';
import { HasNoNulChar } from '../../common/http/query-validators';
import { PROJECT_PATTERN, TASK_NAME_PATTERN } from '../../common/http/trigger-key.dto';

export const SORT_FIELDS = ['name', 'taskName', 'deployedAt', 'updatedAt', 'triggeredAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
const SORT_PATTERN = new RegExp(`^(${SORT_FIELDS.join('|')})(:(asc|desc))?$`);

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

  @ApiPropertyOptional({ enum: ['SCHEDULE', 'NONE', 'EVENT'] })
  @IsOptional()
  @IsIn(['SCHEDULE', 'NONE', 'EVENT'])
  automationType?: 'SCHEDULE' | 'NONE' | 'EVENT';

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

  /** `active` as a boolean (undefined: no filter). */
  activeFilter(): boolean | undefined {
    return this.active === undefined ? undefined : this.active === 'true';
  }

  /** `sort` as a field and a direction (`field` alone is ascending); null: the default order. */
  order(): ListOrder | null {
    if (this.sort === undefined) return null;
    const [field, direction] = this.sort.split(':') as [SortField, 'asc' | 'desc' | undefined];
    return { field, direction: direction ?? 'asc' };
  }
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
