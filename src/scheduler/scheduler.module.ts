import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_DATABASE, type DatabaseHandle } from '../database/database.module';
import { RunsModule } from '../runs/runs.module';
import { TriggersModule } from '../triggers/triggers.module';
import { ChangeBus, InProcessChangeBus, PgChangeBus } from './change-bus';
import { ScheduledFireExecutor } from './fire-executor';
import { SchedulerService } from './scheduler.service';

/** The trigger scheduler (docs/scheduler.md): reconciler, executor, catch-up. */
@Module({
  imports: [ScheduleModule.forRoot(), TriggersModule, RunsModule],
  providers: [
    SchedulerService,
    ScheduledFireExecutor,
    {
      provide: ChangeBus,
      inject: [AppConfig, EMBEDDED_DATABASE, DataSource],
      useFactory: (config: AppConfig, db: DatabaseHandle, dataSource: DataSource): ChangeBus =>
        db.kind === 'postgres' && config.databaseUrl
          ? new PgChangeBus(config.databaseUrl, dataSource)
          : new InProcessChangeBus(),
    },
  ],
  exports: [SchedulerService, ScheduledFireExecutor],
})
export class SchedulerModule {}
