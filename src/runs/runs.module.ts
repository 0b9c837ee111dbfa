import { FireWindow } from './retention/fire-window';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PageTokenModule } from '../common/page-token.module';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_DATABASE, type DatabaseHandle } from '../database/database.module';
import { TriggersModule } from '../triggers/triggers.module';
import { LeaseRepository } from './lease/lease.repository';
import { LeaseService } from './lease/lease.service';
import { InProcessRunSignals, PgRunSignals, RunSignals } from './lease/run-signals';
import { RunSweeper } from './lease/run-sweeper';
import { RunRetention } from './retention/run-retention';
import { RunRetentionRepository } from './retention/run-retention.repository';
import { RunLifecycleService } from './lifecycle/run-lifecycle.service';
import { RunQueriesRepository } from './lifecycle/run-queries.repository';
import { RunQueriesService } from './lifecycle/run-queries.service';
import { RunStateRepository } from './lifecycle/run-state.repository';
import { TriggerPolicyHooks } from './lifecycle/trigger-policy-hooks';
import { RunLifecycleController } from './run-lifecycle.controller';
import { RunsController } from './runs.controller';
import { RunWritesRepository } from './run-writes.repository';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

/**
 * The runs table (and the scheduler's cursors): every write of scheduled, manual and backfill
 * runs, their lifecycle (states, attempts, leases, retries, expiry) and their listing.
 */
@Module({
  imports: [TriggersModule, PageTokenModule],
  controllers: [RunsController, RunLifecycleController],
  providers: [
    RunsService,
    RunsRepository,
    RunWritesRepository,
    RunStateRepository,
    RunQueriesRepository,
    RunQueriesService,
    RunLifecycleService,
    TriggerPolicyHooks,
    LeaseRepository,
    LeaseService,
    RunSweeper,
    RunRetention,
    RunRetentionRepository,
    FireWindow,
    {
      provide: RunSignals,
      inject: [AppConfig, EMBEDDED_DATABASE, DataSource],
      useFactory: (config: AppConfig, db: DatabaseHandle, dataSource: DataSource): RunSignals =>
        db.kind === 'postgres' && config.databaseUrl
          ? new PgRunSignals(config.databaseUrl, config, dataSource)
          : new InProcessRunSignals(),
    },
  ],
  exports: [
    RunRetention,
    FireWindow,
    RunsService,
    RunWritesRepository,
    RunLifecycleService,
    LeaseService,
    RunSignals,
  ],
})
export class RunsModule {}
