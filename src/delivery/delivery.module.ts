import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { LeaseController } from './lease.controller';

/** What hands runs to their code: the worker lease API (built on runs/' leases). */
@Module({ imports: [RunsModule], controllers: [LeaseController] })
export class DeliveryModule {}
