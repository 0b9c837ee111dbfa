import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { RevisionsRepository } from './revisions/revisions.repository';
import { TriggerRevisionEntity } from './revisions/trigger-revision.entity';
import { PageTokenCodec } from '../common/page-token';
import { TriggerEntity } from './trigger.entity';
import { TriggerReadsRepository } from './trigger-reads.repository';
import { TriggersController } from './triggers.controller';
import { TriggersRepository } from './triggers.repository';
import { TriggersService } from './triggers.service';

@Module({
  imports: [TypeOrmModule.forFeature([TriggerEntity, TriggerRevisionEntity])],
  controllers: [TriggersController],
  providers: [
    TriggersRepository,
    TriggersService,
    RevisionsRepository,
    TriggerReadsRepository,
    { provide: PageTokenCodec, inject: [AppConfig], useFactory: PageTokenCodec.fromConfig },
  ],
  exports: [TriggerReadsRepository, TriggersService],
})
export class TriggersModule {}
