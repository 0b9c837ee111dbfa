import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { AutomationSpecDto, TriggerSpecDto } from './deploy-trigger.dto';
import { AutomationSpecViewDto, TriggerSpecViewDto } from './trigger-details.dto';
import { TASK_NAME_PATTERN, TriggerNameDto } from '../../common/http/trigger-key.dto';

/** At most this many triggers in one task's set (docs/triggers-as-code.md). */
export const MAX_SET_SIZE = 500;

/** One trigger of a task's set: its name and what `PUT /triggers/{key}` would take. */
export class TriggerSetMemberDto {
  @ApiProperty({ example: 'eu-weekdays', pattern: TASK_NAME_PATTERN.source, maxLength: 255 })
  @IsString()
  @Matches(TASK_NAME_PATTERN, {
    message:
      'name must be 1–255 ASCII letters, digits, ".", "_" and "-", starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({ type: () => TriggerSpecDto })
  @IsObject()
  @ValidateNested()
  @Type(() => TriggerSpecDto)
  spec!: TriggerSpecDto;

  @ApiProperty({ type: () => AutomationSpecDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AutomationSpecDto)
  automationSpec!: AutomationSpecDto;
}

/** Body of `PUT /tasks/{project}/{domain}/{taskName}/triggers`. */
export class TriggerSetDto {
  // Members are validated one by one by the service (trigger-set.validation.ts), the same code
  // that checks TRIGGERS_FILE, so that errors name the trigger: `triggers[2] "eu": spec.…`.
  @ApiProperty({
    type: () => [TriggerSetMemberDto],
    maxItems: MAX_SET_SIZE,
    description: "the task's whole set of triggers; names unique",
  })
  @IsArray()
  @ArrayMaxSize(MAX_SET_SIZE)
  triggers!: unknown[];

  @ApiPropertyOptional({
    default: false,
    description: "delete the task's live triggers that are not in `triggers`",
  })
  @IsOptional()
  @IsBoolean()
  prune?: boolean;

  @ApiPropertyOptional({ default: false, description: 'answer the same, write nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

/** The parts of a trigger that a set compares: what is deployed, as GET shows it. */
export class TriggerSetSpecsDto {
  @ApiProperty({ type: () => TriggerSpecViewDto })
  spec!: TriggerSpecViewDto;

  @ApiProperty({ type: () => AutomationSpecViewDto })
  automationSpec!: AutomationSpecViewDto;
}

export const SET_OUTCOMES = ['created', 'updated', 'unchanged', 'deleted'] as const;
export type SetOutcome = (typeof SET_OUTCOMES)[number];

export class TriggerSetItemDto {
  @ApiProperty({ example: 'eu-weekdays' })
  name!: string;

  @ApiProperty({
    enum: SET_OUTCOMES,
    example: 'updated',
    description:
      'created (also a re-created deleted one), updated (a DEPLOY revision), unchanged (no ' +
      'revision), deleted (with prune: a DELETE revision)',
  })
  outcome!: SetOutcome;

  @ApiProperty({
    example: 5,
    description: "the trigger's revision after the call (in a dry run: the one it would have)",
  })
  revision!: number;

  @ApiProperty({
    type: () => TriggerSetSpecsDto,
    nullable: true,
    description: 'what was deployed before; null when created',
  })
  before!: TriggerSetSpecsDto | null;

  @ApiProperty({
    type: () => TriggerSetSpecsDto,
    nullable: true,
    description: 'what is deployed after; null when deleted',
  })
  after!: TriggerSetSpecsDto | null;
}

/** Answer of `PUT /tasks/{project}/{domain}/{taskName}/triggers`. */
export class TriggerSetResultDto {
  @ApiProperty({ example: false, description: 'true: nothing was written' })
  dryRun!: boolean;

  @ApiProperty({
    type: () => [TriggerSetItemDto],
    description: 'the listed triggers in their order, then the pruned ones by name',
  })
  triggers!: TriggerSetItemDto[];
}

/** Path segments `{project}/{domain}/{taskName}` of a task. */
export class TaskKeyParams extends PickType(TriggerNameDto, [
  'project',
  'domain',
  'taskName',
] as const) {}
