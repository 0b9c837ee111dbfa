import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, ValidateNested } from 'class-validator';
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

export class BulkResultDto {
  @ApiProperty({ type: () => [TriggerNameDto], description: 'changed: each got a new revision' })
  updated!: TriggerNameDto[];

  @ApiProperty({ type: () => [TriggerNameDto], description: 'already in the requested state' })
  unchanged!: TriggerNameDto[];

  @ApiProperty({ type: () => [TriggerNameDto], description: 'missing or deleted' })
  notFound!: TriggerNameDto[];
}
