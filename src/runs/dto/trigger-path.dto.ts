import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

/** project and domain: 1–63 of [a-z0-9-], starting and ending with a letter or digit. */
export const PROJECT_PATTERN = /^(?=.{1,63}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** taskName and name: 1–255 of [A-Za-z0-9._-], starting with a letter or digit. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

const PROJECT_RULE =
  'must be 1–63 lowercase letters, digits or "-", starting and ending with a letter or digit';
const NAME_RULE = 'must be 1–255 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** The four path segments naming a trigger (product.md §1). */
export class TriggerPathDto {
  @ApiProperty({ example: 'billing' })
  @IsString()
  @Matches(PROJECT_PATTERN, { message: PROJECT_RULE })
  project!: string;

  @ApiProperty({ example: 'production' })
  @IsString()
  @Matches(PROJECT_PATTERN, { message: PROJECT_RULE })
  domain!: string;

  @ApiProperty({ example: 'export.nightly' })
  @IsString()
  @Matches(NAME_PATTERN, { message: NAME_RULE })
  taskName!: string;

  @ApiProperty({ example: 'eu-west' })
  @IsString()
  @Matches(NAME_PATTERN, { message: NAME_RULE })
  name!: string;
}
