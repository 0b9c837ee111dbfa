import { Body, Controller, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Actor } from '../common/actor';
import { ApiErrors, BODY_ERRORS, COMMON_ERRORS } from '../common/http/api-errors';
import { TaskKeyParams, TriggerSetDto, TriggerSetResultDto } from './dto/trigger-set.dto';
import { TriggerSetService } from './trigger-set.service';

const SET_EXAMPLE = {
  prune: true,
  triggers: [
    {
      name: 'eu-weekdays',
      spec: { taskVersion: 'v7', inputs: { region: 'eu' } },
      automationSpec: {
        type: 'SCHEDULE',
        schedule: { cron: { expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
      },
    },
  ],
};

/** A task's whole trigger set in one request (docs/triggers-as-code.md "The set endpoint"). */
@ApiTags('triggers')
@Controller('tasks')
export class TriggerSetController {
  constructor(private readonly sets: TriggerSetService) {}

  @Put(':project/:domain/:taskName/triggers')
  @HttpCode(200)
  @ApiParam({ name: 'project', example: 'billing' })
  @ApiParam({ name: 'domain', example: 'production' })
  @ApiParam({ name: 'taskName', example: 'export.nightly' })
  @ApiOperation({
    summary: "Set a task's triggers",
    description:
      'In one transaction (concurrent calls for one task run one after the other): creates the ' +
      'missing, updates the changed (a DEPLOY revision each), leaves the unchanged alone (no ' +
      "revision), and with `prune` deletes the task's other triggers. Nothing is written when " +
      'any member is invalid; `dryRun` answers the same and writes nothing.',
  })
  @ApiBody({ type: TriggerSetDto, examples: { set: { value: SET_EXAMPLE } } })
  @ApiOkResponse({ type: TriggerSetResultDto })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_SCHEDULE', ...BODY_ERRORS, ...COMMON_ERRORS)
  set(
    @Param() task: TaskKeyParams,
    @Body() body: TriggerSetDto,
    @Actor() actor: string,
  ): Promise<TriggerSetResultDto> {
    const { project, domain, taskName } = task;
    return this.sets.apply(
      { project, domain, taskName },
      body.triggers,
      { prune: body.prune ?? false, dryRun: body.dryRun ?? false },
      actor,
    );
  }
}
