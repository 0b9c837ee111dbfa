import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { RevisionsRepository } from './revisions/revisions.repository';
import { TriggerRevisionEntity } from './revisions/trigger-revision.entity';
import { PageTokenCodec } from '../common/page-token';
import { TriggerEntity } from './trigger.entity';
import { TriggerReadsRepository } from './trigger-reads.repository';
import { TriggerSetController } from './trigger-set.controller';
import { TriggerSetRepository } from './trigger-set.repository';
import { TriggerSetService } from './trigger-set.service';
import { TriggersController } from './triggers.controller';
import { TriggersFileLoader } from './triggers-file.loader';
import { TriggersRepository } from './triggers.repository';
import { TriggersService } from './triggers.service';

@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity])],
  controllers: [TriggersController, TriggerSetController],
  providers: [
    TriggersRepository,
    TriggersService,
    RevisionsRepository,
    TriggerReadsRepository,
    TriggerSetRepository,
    TriggerSetService,
    TriggersFileLoader,
    { provide: PageTokenCodec, inject: [AppConfig], useFactory: PageTokenCodec.fromConfig },
  ],
  exports: [TriggerReadsRepository, TriggersService],
})
export class TriggersModule {}
