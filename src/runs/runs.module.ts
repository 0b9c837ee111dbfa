import { Module } from '@nestjs/common';
import { PageTokenModule } from '../common/page-token.module';
import { TriggersModule } from '../triggers/triggers.module';
import { RunsController } from './runs.controller';
import { RunWritesRepository } from './run-writes.repository';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

/** The runs table (and the scheduler's cursors): every write of scheduled, manual and backfill runs, and their listing. */
@Module({
  imports: [TriggersModule, PageTokenModule],
  controllers: [RunsController],
  providers: [RunsService, RunsRepository, RunWritesRepository],
  exports: [RunsService, RunWritesRepository],
})
export class RunsModule {}
