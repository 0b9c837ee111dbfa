import { Module } from '@nestjs/common';
import { TriggersModule } from '../../triggers/triggers.module';
import { RunsModule } from '../../runs/runs.module';
import { WebhookDispatcherService } from './webhook-dispatcher.service';
import { WebhookLeaseAdapter } from './webhook-lease.adapter';

/** The webhook dispatcher (docs/webhooks.md), a worker built on runs/' leases. */
@Module({
  imports: [RunsModule, TriggersModule],
  providers: [WebhookLeaseAdapter, WebhookDispatcherService],
})
export class WebhookModule {}
