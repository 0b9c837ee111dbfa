import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_DATABASE, type DatabaseHandle } from '../database/database.module';
import { RunsModule } from '../runs/runs.module';
import { TriggersModule } from '../triggers/triggers.module';
import { MetricsService } from '../metrics/metrics.service';
import { ChangeBus, InProcessChangeBus, PgChangeBus } from './change-bus';
import { PARTITION_COUNT } from './partitions';
import { PartitionLeasesRepository } from './partition-leases.repository';
import { LeasedOwnership, PartitionOwnership, WholeOwnership } from './partition-ownership';
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
          ? new PgChangeBus(config.databaseUrl, config, dataSource)
          : new InProcessChangeBus(),
    },
    {
      // docs/scale-out.md: leases on PostgreSQL, everything in one process on the embedded one
      provide: PartitionOwnership,
      inject: [AppConfig, EMBEDDED_DATABASE, DataSource, ChangeBus, MetricsService],
      useFactory: (
        config: AppConfig,
        db: DatabaseHandle,
        dataSource: DataSource,
        bus: ChangeBus,
        metrics: MetricsService,
      ): PartitionOwnership => {
        if (db.kind !== 'postgres') {
          metrics.setPartitionsOwned(PARTITION_COUNT);
          return new WholeOwnership();
        }
        const { instanceId, partitionLeaseMs } = config.scheduler;
        return new LeasedOwnership(
          new PartitionLeasesRepository(dataSource, instanceId, partitionLeaseMs),
          {
            leaseMs: partitionLeaseMs,
            signal: () => bus.signalPartitions(),
            onCount: (n) => metrics.setPartitionsOwned(n),
          },
        );
      },
    },
  ],
  exports: [SchedulerService, ScheduledFireExecutor],
})
export class SchedulerModule {}
