import { Module } from '@nestjs/common';
import { PageTokenCodec } from '../common/page-token';
import { AppConfig } from '../config/app-config';
import { TriggersModule } from '../triggers/triggers.module';
import { RunsController } from './runs.controller';
import { RunWritesRepository } from './run-writes.repository';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

/** The runs table (and the scheduler's cursors): every write of scheduled, manual and backfill runs, and their listing. */
@Module({
  imports: [TriggersModule],
  controllers: [RunsController],
  providers: [
    RunsService,
    RunsRepository,
    RunWritesRepository,
    { provide: PageTokenCodec, inject: [AppConfig], useFactory: PageTokenCodec.fromConfig },
  ],
  exports: [RunsService, RunWritesRepository],
})
export class RunsModule {}
