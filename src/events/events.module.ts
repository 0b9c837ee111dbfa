import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { EventsController } from './events.controller';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** CloudEvents in (POST /events), EVENT runs out (docs/events.md). */
@Module({
  imports: [RunsModule],
  controllers: [EventsController],
  providers: [EventsRepository, EventsService],
})
export class EventsModule {}
