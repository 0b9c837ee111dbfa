import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { AutomationSpecDto } from '../triggers/dto/deploy-trigger.dto';
import { IsIntString } from '../common/http/query-validators';

export const MAX_PREVIEW_COUNT = 100;
export const DEFAULT_PREVIEW_COUNT = 10;

/** Body of `POST /schedules/preview`. */
export class PreviewScheduleDto {
  @ApiProperty({
    type: () => AutomationSpecDto,
    example: {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '30 2 * * *', timezone: 'America/New_York' } },
    },
  })
  @IsObject()
  @ValidateNested()
  @Type(() => AutomationSpecDto)
  automationSpec!: AutomationSpecDto;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PREVIEW_COUNT, default: DEFAULT_PREVIEW_COUNT })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PREVIEW_COUNT)
  count?: number | null;

  @ApiPropertyOptional({
    example: '2027-03-13T00:00:00Z',
    description:
      'fire times strictly after this instant (ISO 8601 with a zone, from 1900-01-01T00:00:00Z ' +
      'to before 2200-01-01T00:00:00Z); default now',
  })
  @IsOptional()
  @IsString()
  from?: string | null;
}

/** Query of `GET /triggers/{key}/preview`. */
export class PreviewQueryDto {
  @ApiPropertyOptional({ example: '10', description: '1–100, default 10' })
  @IsOptional()
  @IsIntString(1, MAX_PREVIEW_COUNT)
  count?: string;

  @ApiPropertyOptional({
    example: '2027-03-13T00:00:00Z',
    description: 'ISO 8601 with a zone, from 1900-01-01T00:00:00Z to before 2200; default now',
  })
  @IsOptional()
  @IsString()
  from?: string;

  /** `count` as a number (undefined: the default); the validator has checked the text. */
  countValue(): number | undefined {
    return this.count === undefined ? undefined : Number(this.count);
  }
}

export class FireTimeDto {
  @ApiProperty({ example: '2027-03-14T07:00:00.000Z', description: 'UTC instant' })
  at!: string;

  @ApiProperty({ example: '2027-03-14T03:00:00-04:00', description: 'local time with its offset' })
  local!: string;

  @ApiProperty({
    example: '2027-03-14T07:00:12.345Z',
    description:
      "the run's notBefore: `at` plus the trigger's deterministic jitter (policies.jitter), else `at`",
  })
  notBefore!: string;
}

export class FireTimesDto {
  @ApiProperty({ type: () => [FireTimeDto] })
  fireTimes!: FireTimeDto[];
}
