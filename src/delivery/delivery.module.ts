import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { LeaseController } from './lease.controller';
import { WebhookModule } from './webhook/webhook.module';

/** What hands runs to their code: the worker lease API and the webhook dispatcher (on runs/' leases). */
@Module({ imports: [RunsModule, WebhookModule], controllers: [LeaseController] })
export class DeliveryModule {}
