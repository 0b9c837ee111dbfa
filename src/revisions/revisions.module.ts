import { Module } from '@nestjs/common';
import { RevisionsRepository } from './revisions.repository';

/** The append-only revision history: its reads; rows are appended by the triggers repository's writes. */
@Module({
  providers: [RevisionsRepository],
  exports: [RevisionsRepository],
})
export class RevisionsModule {}
