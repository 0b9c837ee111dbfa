import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../scheduler/clock';
import { TriggersModule } from '../triggers/triggers.module';
import { RunsController } from './runs.controller';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

/** The runs table: scheduled, manual and backfill runs, and their listing. */
@Module({
  imports: [TriggersModule],
  controllers: [RunsController],
  providers: [RunsService, RunsRepository, { provide: Clock, useClass: SystemClock }],
  exports: [RunsService, Clock],
})
export class RunsModule {}
