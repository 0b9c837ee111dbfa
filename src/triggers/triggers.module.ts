import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PageTokenModule } from '../common/page-token.module';
import { RevisionsRepository } from './revisions/revisions.repository';
import { TriggerRevisionEntity } from './revisions/trigger-revision.entity';
import { TriggerEntity } from './trigger.entity';
import { TriggerReadsRepository } from './trigger-reads.repository';
import { TriggerSetController } from './trigger-set.controller';
import { TriggerSetRepository } from './trigger-set.repository';
import { TriggerSetService } from './trigger-set.service';
import { TriggersController } from './triggers.controller';
import { TriggersFileLoader } from './triggers-file.loader';
import { TriggersRepository } from './triggers.repository';
import { TriggersService } from './triggers.service';
import { WebhookDeliveryCheck } from '../delivery/webhook/webhook-delivery-check';

@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity]), PageTokenModule],
  controllers: [TriggersController, TriggerSetController],
  providers: [
    TriggersRepository,
    TriggersService,
    RevisionsRepository,
    TriggerReadsRepository,
    WebhookDeliveryCheck,
    TriggerSetRepository,
    TriggerSetService,
    TriggersFileLoader,
  ],
  exports: [TriggerReadsRepository, TriggersService],
})
export class TriggersModule {}
