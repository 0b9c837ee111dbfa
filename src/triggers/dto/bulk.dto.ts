import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { TriggerNameDto } from '../../common/http/trigger-key.dto';

export const MAX_BULK_NAMES = 100;

/** Body of `POST /triggers/activate|deactivate|delete`. */
export class BulkNamesDto {
  @ApiProperty({
    type: () => [TriggerNameDto],
    minItems: 1,
    maxItems: MAX_BULK_NAMES,
    description: '1–100 names; a name listed twice is handled and reported once',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_NAMES)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TriggerNameDto)
  names!: TriggerNameDto[];
}

export const MAX_NOTE_LENGTH = 1_000;

/** Body of `POST /triggers/activate|deactivate`: the names and an optional note. */
export class ActivationNamesDto extends BulkNamesDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'paused for the warehouse migration (ops-42)',
    maxLength: MAX_NOTE_LENGTH,
    description:
      'kept on each revision this makes (note) and shown in status.note until the next activation change',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NOTE_LENGTH)
  note?: string | null;
}

export class BulkResultDto {
  @ApiProperty({ type: () => [TriggerNameDto], description: 'changed: each got a new revision' })
  updated!: TriggerNameDto[];

  @ApiProperty({ type: () => [TriggerNameDto], description: 'already in the requested state' })
  unchanged!: TriggerNameDto[];

  @ApiProperty({ type: () => [TriggerNameDto], description: 'missing or deleted' })
  notFound!: TriggerNameDto[];
}
