import { Module } from '@nestjs/common';
import { TriggersModule } from '../triggers/triggers.module';
import { PreviewController } from './preview.controller';
import { PreviewService } from './preview.service';

/** `POST /schedules/preview` and `GET /triggers/{key}/preview`. */
@Module({
  imports: [TriggersModule],
  controllers: [PreviewController],
  providers: [PreviewService],
})
export class PreviewModule {}
