import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

/** At most this many characters in each of a filter's type, source and subject (docs/events.md). */
export const MAX_EVENT_FILTER_LENGTH = 255;

const NO_STAR = /^[^*]*$/;
const STAR_AT_END = /^[^*]*\*?$/;

/**
 * Which events fire an EVENT trigger (docs/events.md "Matching"): `type` exactly; `source` and
 * `subject` exactly or, ending in `*`, as a prefix. Only one `*`, and only at the end.
 */
export class EventFilterDto {
  @ApiProperty({
    example: 'com.example.object.created',
    minLength: 1,
    maxLength: MAX_EVENT_FILTER_LENGTH,
    description: "the event's `type`, matched exactly (no wildcard)",
  })
  @IsString()
  @Length(1, MAX_EVENT_FILTER_LENGTH)
  @Matches(NO_STAR, { message: 'type is matched exactly; it may not contain *' })
  type!: string;

  @ApiPropertyOptional({
    example: 'https://storage.example.com/buckets/*',
    minLength: 1,
    maxLength: MAX_EVENT_FILTER_LENGTH,
    description: "the event's `source`, exactly or, ending in `*`, as a prefix; absent: any",
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_EVENT_FILTER_LENGTH)
  @Matches(STAR_AT_END, { message: 'source may contain * only once, at the end' })
  source?: string | null;

  @ApiPropertyOptional({
    example: 'reports/*',
    minLength: 1,
    maxLength: MAX_EVENT_FILTER_LENGTH,
    description:
      "the event's `subject`, exactly or, ending in `*`, as a prefix (an event without a subject does not match); absent: any",
  })
  @IsOptional()
  @IsString()
  @Length(1, MAX_EVENT_FILTER_LENGTH)
  @Matches(STAR_AT_END, { message: 'subject may contain * only once, at the end' })
  subject?: string | null;

  @ApiPropertyOptional({
    example: 'event',
    minLength: 1,
    maxLength: 255,
    description:
      'the input that receives the whole event (attributes and data); absent: the event is not added to the inputs (the run still names it in `event`)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  eventInputArg?: string | null;
}
