import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { PGlite } from '@electric-sql/pglite';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { ClockModule } from './common/clock';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import type { EmbeddedDatabase } from './database/embedded';
import type { RemotePGlite } from './database/pglite-remote';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PreviewModule } from './preview/preview.module';
import { TriggersModule } from './triggers/triggers.module';
import { RunsModule } from './runs/runs.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { DeliveryModule } from './delivery/delivery.module';
import { UiModule } from './ui/ui.module';
import { EventsModule } from './events/events.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** an embedded database owned by the caller (tests) instead of one opened from config */
  pglite?: PGlite | RemotePGlite;
  /** the embedded database main.ts opened (and locked) before the app; closed with it */
  embedded?: EmbeddedDatabase;
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options.config),
        EventEmitterModule.forRoot(),
        ClockModule,
        DatabaseModule.forRoot({ pglite: options.pglite, embedded: options.embedded }),
        MetricsModule,
        AuthModule.forRoot(options.config),
        HealthModule,
        TriggersModule,
        RunsModule,
        SchedulerModule,
        DeliveryModule,
        EventsModule,
        PreviewModule,
        UiModule,
      ],
    };
  }
}
