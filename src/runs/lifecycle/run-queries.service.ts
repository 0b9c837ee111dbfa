import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors';
import { PageTokenCodec } from '../../common/page-token';
import { checkRunId } from './run-ids';
import { RunQueriesRepository, type RunFilter } from './run-queries.repository';
import type { RunRecord } from './run-record';
import { toAttemptView, toRunView, type AttemptView, type RunView } from './run-view';
import { RunNotFoundError } from './run.errors';

/** A page token of GET /runs holds only for the filters it was issued with (api.md "Lists"). */
function scopeOf(filter: RunFilter): string {
  const { queue, state, project, domain, taskName, projects } = filter;
  return JSON.stringify(['runs:all', [queue, state, project, domain, taskName, projects]]);
}

export interface RunViewPage {
  runs: RunView[];
  token: string | null;
}

/** Reads of runs by id and across triggers, within the caller's projects. */
@Injectable()
export class RunQueriesService {
  constructor(
    private readonly runs: RunQueriesRepository,
    private readonly tokens: PageTokenCodec,
  ) {}

  /**
   * The run with this id, for a caller allowed `projects` (null: all). A run outside them is
   * answered like a missing one (404), so ids do not reveal other projects' runs.
   */
  async find(idText: string, projects: string[] | null): Promise<RunRecord> {
    const id = checkRunId(idText);
    const run = await this.runs.findByPublicId(id);
    if (!run || (projects !== null && !projects.includes(run.project))) {
      throw new RunNotFoundError(idText);
    }
    return run;
  }

  async get(id: string, projects: string[] | null): Promise<RunView & { attempts: AttemptView[] }> {
    const run = await this.find(id, projects);
    const attempts = await this.runs.attempts(run.id);
    return { ...toRunView(run), attempts: attempts.map(toAttemptView) };
  }

  /** GET /runs: newest scheduledAt first, keyset paged. */
  async list(filter: RunFilter, limit: number, token: string | undefined): Promise<RunViewPage> {
    const scope = scopeOf(filter);
    let after = null;
    if (token !== undefined) {
      const key = this.tokens.decode(scope, token);
      const [ms, id] = key;
      if (key.length !== 2 || !/^-?\d{1,16}$/.test(ms) || !/^[1-9]\d{0,18}$/.test(id)) {
        throw ValidationFailedError.of('token', 'is not a valid page token for this list');
      }
      after = { scheduledAt: new Date(Number(ms)), id };
    }
    const rows = await this.runs.list(filter, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      runs: page.map(toRunView),
      token:
        rows.length > limit && last
          ? this.tokens.encode(scope, [String(new Date(last.scheduledAt).getTime()), last.id])
          : null,
    };
  }
}
