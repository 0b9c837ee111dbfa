import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RevisionsModule } from '../revisions/revisions.module';
import { TriggerRevisionEntity } from '../revisions/trigger-revision.entity';
import { PageTokenModule } from '../common/page-token.module';
import { TriggerEntity } from './trigger.entity';
import { TriggerSchedulingRepository } from './trigger-scheduling.repository';
import { TriggersController } from './triggers.controller';
import { TriggersRepository } from './triggers.repository';
import { TriggersService } from './triggers.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity]),
    RevisionsModule,
    PageTokenModule,
  ],
  controllers: [TriggersController],
  providers: [TriggersRepository, TriggersService, TriggerSchedulingRepository],
  exports: [TriggerSchedulingRepository, TriggersService],
})
export class TriggersModule {}
