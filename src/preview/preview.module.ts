import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../scheduler/clock';
import { TriggersModule } from '../triggers/triggers.module';
import { PreviewController } from './preview.controller';
import { PreviewService } from './preview.service';

/** `POST /schedules/preview` and `GET /triggers/{key}/preview`. */
@Module({
  imports: [TriggersModule],
  controllers: [PreviewController],
  providers: [PreviewService, { provide: Clock, useClass: SystemClock }],
})
export class PreviewModule {}
