import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TriggerRevisionEntity } from '../revisions/trigger-revision.entity';
import { TriggerEntity } from './trigger.entity';
import { TriggerSchedulingRepository } from './trigger-scheduling.repository';

@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity])],
  providers: [TriggerSchedulingRepository],
  exports: [TriggerSchedulingRepository],
})
export class TriggersModule {}
