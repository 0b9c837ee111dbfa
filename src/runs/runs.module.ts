import { Module } from '@nestjs/common';
import { PageTokenCodec } from '../common/page-token';
import { AppConfig } from '../config/app-config';
import { TriggersModule } from '../triggers/triggers.module';
import { RunsController } from './runs.controller';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

/** The runs table: scheduled, manual and backfill runs, and their listing. */
@Module({
  imports: [TriggersModule],
  controllers: [RunsController],
  providers: [
    RunsService,
    RunsRepository,
    { provide: PageTokenCodec, inject: [AppConfig], useFactory: PageTokenCodec.fromConfig },
  ],
  exports: [RunsService],
})
export class RunsModule {}
