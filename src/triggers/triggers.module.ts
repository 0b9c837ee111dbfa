import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PageTokenModule } from '../common/page-token.module';
import { RevisionsRepository } from './revisions/revisions.repository';
import { TriggerRevisionEntity } from './revisions/trigger-revision.entity';
import { TriggerEntity } from './trigger.entity';
import { TriggerReadsRepository } from './trigger-reads.repository';
import { TriggersController } from './triggers.controller';
import { TriggersRepository } from './triggers.repository';
import { TriggersService } from './triggers.service';

@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity]), PageTokenModule],
  controllers: [TriggersController],
  providers: [TriggersRepository, TriggersService, RevisionsRepository, TriggerReadsRepository],
  exports: [TriggerReadsRepository, TriggersService],
})
export class TriggersModule {}
