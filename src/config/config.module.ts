import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';

/**
 * Provides the validated AppConfig everywhere; nothing else reads process.env. The same values
 * are also registered with @nestjs/config (ConfigService.get('scheduler.executionQps')), loaded
 * from AppConfig only: ConfigModule reads neither the environment nor `.env` itself, so there is
 * one source of truth and one validation.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ ...config })],
        }),
      ],
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
