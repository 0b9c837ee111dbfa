import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/http/page-query.dto';
import { PROJECT_PATTERN, TASK_NAME_PATTERN } from '../../common/http/trigger-key.dto';
import { RUN_STATES } from '../lifecycle/run-state';

const QUEUE_PATTERN = /^[a-z0-9-]{1,63}$/;

/** Query of `GET /runs`. */
export class ListRunsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'default' })
  @IsOptional()
  @IsString()
  @Matches(QUEUE_PATTERN, { message: 'queue must be 1–63 characters of a-z, 0-9 and -' })
  queue?: string;

  @ApiPropertyOptional({ enum: RUN_STATES })
  @IsOptional()
  @IsIn(RUN_STATES)
  state?: (typeof RUN_STATES)[number];

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
}
