import { ApiProperty } from '@nestjs/swagger';

/** Swagger shapes and examples of POST /events (docs/events.md); the parser is cloud-event.ts. */
export const STRUCTURED_EXAMPLE = {
  specversion: '1.0',
  id: 'b5b7e7a4-1f3c-4f7e-9d6a-0c2f1e3d4b5a',
  source: 'https://storage.example.com/buckets/reports',
  type: 'com.example.object.created',
  subject: 'reports/2026-12-01.csv',
  time: '2026-12-01T09:00:00Z',
  datacontenttype: 'application/json',
  data: { bucket: 'reports', name: '2026-12-01.csv', size: 5120 },
};

export const BATCH_EXAMPLE = [
  STRUCTURED_EXAMPLE,
  {
    specversion: '1.0',
    id: 'deploy-4711',
    source: 'ci/pipelines/web',
    type: 'com.example.deploy.finished',
    data: { version: 'v7', ok: true },
  },
];

export const ACCEPTED_EXAMPLE = {
  accepted: [
    {
      id: STRUCTURED_EXAMPLE.id,
      source: STRUCTURED_EXAMPLE.source,
      runs: ['0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55'],
      duplicate: false,
    },
  ],
};

/** The members of a structured-mode event (CloudEvents 1.0 JSON format). */
export class CloudEventDto {
  @ApiProperty({ enum: ['1.0'], example: '1.0' })
  specversion!: string;

  @ApiProperty({
    example: STRUCTURED_EXAMPLE.id,
    description: 'with `source`, identifies the event: a re-publish is a duplicate',
  })
  id!: string;

  @ApiProperty({ example: STRUCTURED_EXAMPLE.source, description: 'a URI-reference' })
  source!: string;

  @ApiProperty({ example: STRUCTURED_EXAMPLE.type })
  type!: string;

  @ApiProperty({ required: false, example: STRUCTURED_EXAMPLE.subject })
  subject?: string;

  @ApiProperty({
    required: false,
    example: STRUCTURED_EXAMPLE.time,
    description: "RFC 3339; the runs' scheduledAt (absent: when it was received)",
  })
  time?: string;

  @ApiProperty({ required: false, example: 'application/json' })
  datacontenttype?: string;

  @ApiProperty({ required: false, example: 'https://schemas.example.com/object-created.json' })
  dataschema?: string;

  @ApiProperty({
    required: false,
    description: 'any JSON (or a string for other content types)',
    example: STRUCTURED_EXAMPLE.data,
  })
  data?: unknown;

  @ApiProperty({ required: false, description: 'binary data, base64 (instead of data)' })
  data_base64?: string;
}

export class AcceptedEventDto {
  @ApiProperty({ example: STRUCTURED_EXAMPLE.id })
  id!: string;

  @ApiProperty({ example: STRUCTURED_EXAMPLE.source })
  source!: string;

  @ApiProperty({
    type: [String],
    example: ['0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55'],
    description:
      "the ids of the runs the event created (one per matching trigger of the key's projects); a duplicate answers those of its first publish",
  })
  runs!: string[];

  @ApiProperty({ example: false, description: 'true: received before; nothing new was created' })
  duplicate!: boolean;
}

export class PublishEventsResultDto {
  @ApiProperty({
    type: () => [AcceptedEventDto],
    description: 'one per event sent, in order',
  })
  accepted!: AcceptedEventDto[];
}
