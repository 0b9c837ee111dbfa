import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every error (api.md "Errors"). */
export class ErrorResponseDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'REVISION_CONFLICT' })
  code!: string;

  @ApiProperty({ example: 'trigger p/d/t/n is at revision 5, not 3' })
  message!: string;

  @ApiPropertyOptional({
    description:
      'VALIDATION_FAILED and INVALID_SCHEDULE: `[{ field, message }]`; REVISION_CONFLICT: `{ expectedRevision, currentRevision }`',
    example: { expectedRevision: 3, currentRevision: 5 },
  })
  details?: unknown;

  @ApiProperty({ example: '6f1c2e9a-1b7e-4c55-9a63-0d1f0b1c7a10' })
  requestId!: string;
}
