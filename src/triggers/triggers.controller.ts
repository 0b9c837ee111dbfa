import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { allowedProjects } from '../auth/caller';
import { Actor } from '../common/actor';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import { ActivationNamesDto, BulkNamesDto, BulkResultDto } from './dto/bulk.dto';
import { DeployTriggerDto } from './dto/deploy-trigger.dto';
import { PageQueryDto } from '../common/http/page-query.dto';
import { TriggerKeyParams } from '../common/http/trigger-key.dto';
import { ListTriggersQueryDto, TriggerListDto } from './dto/list-triggers.dto';
import { RevisionDetailsDto, RevisionListDto } from './dto/revision.dto';
import { TriggerDetailsDto } from './dto/trigger-details.dto';
import { RevisionKeyParams } from './dto/trigger-name.dto';
import { deployPrecondition } from './if-match';
import { TriggersService } from './triggers.service';

const KEY = ':project/:domain/:taskName/:name';

function etag(res: Response, revision: number): void {
  res.setHeader('ETag', `"${revision}"`);
}

const ETAG_HEADER = {
  ETag: {
    description: 'the revision of the trigger in the body, e.g. "4"',
    schema: { type: 'string' },
  },
};

const KEY_PARAMS = [
  ApiParam({ name: 'project', example: 'billing' }),
  ApiParam({ name: 'domain', example: 'production' }),
  ApiParam({ name: 'taskName', example: 'export.nightly' }),
  ApiParam({ name: 'name', example: 'eu-weekdays' }),
];

function KeyParams(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of KEY_PARAMS) d(target, key, descriptor);
  };
}

const DEPLOY_EXAMPLE = {
  revision: 3,
  spec: {
    taskVersion: 'v7',
    active: true,
    inputs: { region: 'eu' },
    runSpec: { envs: { LOG_LEVEL: 'debug' }, labels: {}, annotations: {} },
    description: 'nightly export',
  },
  automationSpec: {
    type: 'SCHEDULE',
    schedule: {
      cron: { expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
      kickoffTimeInputArg: 'kickoff_time',
    },
  },
};

/** HTTP for triggers and their history (api.md "Triggers"); no logic beyond status and headers. */
@ApiTags('triggers')
@Controller('triggers')
export class TriggersController {
  constructor(private readonly triggers: TriggersService) {}

  @Get()
  @ApiOperation({ summary: 'List triggers', description: 'Filters, sort and cursor paging.' })
  @ApiOkResponse({ type: TriggerListDto })
  @ApiErrors('VALIDATION_FAILED', ...COMMON_ERRORS)
  list(@Query() query: ListTriggersQueryDto, @Req() req: Request): Promise<TriggerListDto> {
    return this.triggers.list(query, allowedProjects(req));
  }

  @Post('activate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Activate several triggers',
    description:
      'Each that changes gets an ACTIVATE revision, with the note when given (status.note); the run limit (policies.maxRuns) starts again.',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ApiErrors('VALIDATION_FAILED', ...BODY_ERRORS, ...COMMON_ERRORS)
  activate(@Body() body: ActivationNamesDto, @Actor() actor: string): Promise<BulkResultDto> {
    return this.triggers.bulk('ACTIVATE', body.names, actor, body.note ?? null);
  }

  @Post('deactivate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deactivate several triggers',
    description:
      'Each that changes gets a DEACTIVATE revision, with the note when given (status.note).',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ApiErrors('VALIDATION_FAILED', ...BODY_ERRORS, ...COMMON_ERRORS)
  deactivate(@Body() body: ActivationNamesDto, @Actor() actor: string): Promise<BulkResultDto> {
    return this.triggers.bulk('DEACTIVATE', body.names, actor, body.note ?? null);
  }

  @Post('delete')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Soft-delete several triggers',
    description: 'Each deleted gets a DELETE revision.',
  })
  @ApiOkResponse({ type: BulkResultDto })
  @ApiErrors('VALIDATION_FAILED', ...BODY_ERRORS, ...COMMON_ERRORS)
  deleteMany(@Body() body: BulkNamesDto, @Actor() actor: string): Promise<BulkResultDto> {
    return this.triggers.bulk('DELETE', body.names, actor);
  }

  @Put(KEY)
  @KeyParams()
  @ApiOperation({
    summary: 'Deploy a trigger',
    description:
      'Creates, updates or re-creates a deleted trigger. An expected revision (body `revision` ' +
      'or `If-Match`) > 0 makes the update conditional; creating ignores it.',
  })
  @ApiHeader({
    name: 'If-Match',
    required: false,
    description: '"3", W/"3" or 3: the expected revision; * : the trigger must exist',
  })
  @ApiBody({ type: DeployTriggerDto, examples: { cron: { value: DEPLOY_EXAMPLE } } })
  @ApiCreatedResponse({
    type: TriggerDetailsDto,
    headers: ETAG_HEADER,
    description: 'created (or re-created)',
  })
  @ApiOkResponse({ type: TriggerDetailsDto, headers: ETAG_HEADER, description: 'updated' })
  @ApiErrors(
    'VALIDATION_FAILED',
    'INVALID_SCHEDULE',
    'REVISION_CONFLICT',
    'PRECONDITION_FAILED',
    ...BODY_ERRORS,
    ...COMMON_ERRORS,
  )
  async deploy(
    @Param() key: TriggerKeyParams,
    @Body() body: DeployTriggerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Actor() actor: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TriggerDetailsDto> {
    const precondition = deployPrecondition(body.revision, ifMatch);
    const { trigger, created, revision } = await this.triggers.deploy(
      key,
      body,
      precondition,
      actor,
    );
    res.status(created ? 201 : 200);
    etag(res, revision);
    return trigger;
  }

  @Get(KEY)
  @KeyParams()
  @ApiOperation({ summary: "A trigger's current details" })
  @ApiOkResponse({ type: TriggerDetailsDto, headers: ETAG_HEADER })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  async get(
    @Param() key: TriggerKeyParams,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TriggerDetailsDto> {
    const trigger = await this.triggers.get(key);
    etag(res, trigger.id.revision);
    return trigger;
  }

  @Delete(KEY)
  @HttpCode(204)
  @KeyParams()
  @ApiOperation({ summary: 'Soft-delete a trigger', description: 'Its history stays readable.' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  async delete(@Param() key: TriggerKeyParams, @Actor() actor: string): Promise<void> {
    await this.triggers.delete(key, actor);
  }

  @Get(`${KEY}/revisions`)
  @KeyParams()
  @ApiOperation({
    summary: "A trigger's revision history",
    description: 'Newest first, paged; also for a deleted trigger.',
  })
  @ApiOkResponse({ type: RevisionListDto })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', ...COMMON_ERRORS)
  revisions(
    @Param() key: TriggerKeyParams,
    @Query() query: PageQueryDto,
  ): Promise<RevisionListDto> {
    return this.triggers.listRevisions(key, query);
  }

  @Get(`${KEY}/revisions/:revision`)
  @KeyParams()
  @ApiParam({ name: 'revision', example: '3' })
  @ApiOperation({
    summary: 'The trigger as it was at one revision',
    description: "With that revision's ETag.",
  })
  @ApiOkResponse({ type: RevisionDetailsDto, headers: ETAG_HEADER })
  @ApiErrors('VALIDATION_FAILED', 'TRIGGER_NOT_FOUND', 'REVISION_NOT_FOUND', ...COMMON_ERRORS)
  async revision(
    @Param() params: RevisionKeyParams,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RevisionDetailsDto> {
    const details = await this.triggers.getRevision(params, Number(params.revision));
    etag(res, details.id.revision);
    return details;
  }
}
