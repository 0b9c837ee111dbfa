import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { allowedProjects } from '../auth/caller';
import { ApiErrors, COMMON_ERRORS } from '../common/http/api-errors';
import { parseJsonBody } from '../common/body-parsing';
import {
  MAX_BATCH_EVENTS,
  readBatch,
  readBinaryEvent,
  readStructuredEvent,
  type ReceivedEvent,
} from './cloud-event';
import {
  ACCEPTED_EXAMPLE,
  BATCH_EXAMPLE,
  CloudEventDto,
  PublishEventsResultDto,
  STRUCTURED_EXAMPLE,
} from './dto/events.dto';
import { EventsService, type AcceptedEvent } from './events.service';

const BATCH_TYPE = /^application\/cloudevents-batch\+json\s*(;|$)/i;
const CLOUDEVENTS_TYPE = /^application\/cloudevents\+json\s*(;|$)/i;
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** How a request sends its events (CloudEvents HTTP binding): batch, structured or binary. */
function readEvents(req: Request): ReceivedEvent[] {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const type = req.headers['content-type'] ?? '';
  if (BATCH_TYPE.test(type)) return readBatch(parseJsonBody(body));
  // the binding: the cloudevents media type means structured mode, whatever ce-* headers say
  if (CLOUDEVENTS_TYPE.test(type)) return [readStructuredEvent(parseJsonBody(body))];
  if (req.headers['ce-specversion'] !== undefined) return [readBinaryEvent(req.headers, body)];
  if (JSON_TYPE.test(type)) return [readStructuredEvent(parseJsonBody(body))];
  // neither structured (a JSON type) nor binary (ce-* headers): name what binary mode misses
  return [readBinaryEvent(req.headers, body)];
}

/** How many events a refused request held, for sundial_events_received_total{rejected}. */
function countOf(req: Request): number {
  const type = req.headers['content-type'] ?? '';
  if (!BATCH_TYPE.test(type) || !Buffer.isBuffer(req.body)) return 1;
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    return Array.isArray(parsed) ? Math.max(1, Math.min(parsed.length, MAX_BATCH_EVENTS)) : 1;
  } catch {
    return 1;
  }
}

/** Publishing CloudEvents to EVENT triggers (docs/events.md). */
@ApiTags('events')
@ApiExtraModels(CloudEventDto)
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish CloudEvents 1.0: each new event fires every matching, active EVENT trigger',
    description: [
      'Three modes (CloudEvents HTTP binding):',
      '- **structured**: `Content-Type: application/cloudevents+json` (or `application/json`), the event as a JSON object;',
      '- **binary**: the attributes as `ce-*` headers (`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, optional `ce-subject`, `ce-time`, extensions), `Content-Type` is `datacontenttype` and the body is `data` (parsed when JSON, else UTF-8 text);',
      `- **batch**: \`Content-Type: application/cloudevents-batch+json\`, a JSON array of at most ${MAX_BATCH_EVENTS} structured events.`,
      '',
      'An event is at most 256 KiB as JSON (a request at most 1 MiB). An event is identified by (`source`, `id`): publishing it again creates nothing and answers the runs it created the first time (`duplicate: true`), for at least 7 days.',
      "A malformed event is 400 `VALIDATION_FAILED` naming the attribute (`ce-id` in binary mode, `[3].id` in a batch; nothing of a refused batch is published). Needs role `publisher`, `writer` or `admin`; a project-scoped key fires only its projects' triggers.",
    ].join('\n'),
  })
  @ApiHeader({ name: 'ce-specversion', required: false, description: 'binary mode: "1.0"' })
  @ApiHeader({ name: 'ce-id', required: false, description: 'binary mode', example: 'deploy-4711' })
  @ApiHeader({
    name: 'ce-source',
    required: false,
    description: 'binary mode',
    example: 'ci/pipelines/web',
  })
  @ApiHeader({
    name: 'ce-type',
    required: false,
    description: 'binary mode',
    example: 'com.example.deploy.finished',
  })
  @ApiHeader({ name: 'ce-subject', required: false, description: 'binary mode, optional' })
  @ApiHeader({ name: 'ce-time', required: false, description: 'binary mode, optional (RFC 3339)' })
  @ApiConsumes(
    'application/cloudevents+json',
    'application/json',
    'application/cloudevents-batch+json',
    'text/plain',
    'application/octet-stream',
  )
  @ApiBody({
    description:
      'structured: one event (application/cloudevents+json or application/json); batch: an array of events (application/cloudevents-batch+json); binary: the data itself, any Content-Type, with ce-* headers',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(CloudEventDto) },
        { type: 'array', items: { $ref: getSchemaPath(CloudEventDto) }, maxItems: 100 },
        { type: 'string', format: 'binary', description: 'binary mode: the data itself' },
      ],
    },
    examples: {
      structured: { summary: 'structured mode', value: STRUCTURED_EXAMPLE },
      batch: { summary: 'batch mode (application/cloudevents-batch+json)', value: BATCH_EXAMPLE },
      binary: {
        summary:
          'binary mode: this body with ce-specversion: 1.0, ce-id: deploy-4711, ce-source: ci/pipelines/web, ce-type: com.example.deploy.finished',
        value: { version: 'v7', ok: true },
      },
    },
  })
  @ApiAcceptedResponse({ type: PublishEventsResultDto, example: ACCEPTED_EXAMPLE })
  @ApiErrors('VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', ...COMMON_ERRORS)
  async publish(
    @Req() req: Request,
    @Body() _raw: unknown,
  ): Promise<{ accepted: AcceptedEvent[] }> {
    let received: ReceivedEvent[];
    try {
      received = readEvents(req);
    } catch (e) {
      this.events.rejected(countOf(req));
      throw e;
    }
    return { accepted: await this.events.publish(received, allowedProjects(req)) };
  }
}
