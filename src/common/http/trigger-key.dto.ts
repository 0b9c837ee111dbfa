import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** product.md §1: project and domain. */
export const PROJECT_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** product.md §1: taskName and name. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

const PROJECT_RULE =
  'must be 1–63 lowercase ASCII letters, digits and "-", starting and ending with a letter or digit';
const NAME_RULE =
  'must be 1–255 ASCII letters, digits, ".", "_" and "-", starting with a letter or digit';

/** The four parts that name a trigger (TriggerName of api.md); used in bodies and path segments. */
export class TriggerNameDto {
  @ApiProperty({ example: 'billing', pattern: PROJECT_PATTERN.source, maxLength: 63 })
  @IsString()
  @Matches(PROJECT_PATTERN, { message: `project ${PROJECT_RULE}` })
  project!: string;

  @ApiProperty({ example: 'production', pattern: PROJECT_PATTERN.source, maxLength: 63 })
  @IsString()
  @Matches(PROJECT_PATTERN, { message: `domain ${PROJECT_RULE}` })
  domain!: string;

  @ApiProperty({ example: 'export.nightly', pattern: TASK_NAME_PATTERN.source, maxLength: 255 })
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: `taskName ${NAME_RULE}` })
  taskName!: string;

  @ApiProperty({ example: 'eu-weekdays', pattern: TASK_NAME_PATTERN.source, maxLength: 255 })
  @IsString()
  @Matches(TASK_NAME_PATTERN, { message: `name ${NAME_RULE}` })
  name!: string;
}

/** Path segments `{project}/{domain}/{taskName}/{name}`. */
export class TriggerKeyParams extends TriggerNameDto {}
