import { ApiProperty } from '@nestjs/swagger';
import { RUN_VIEW_EXAMPLE, RunViewDto } from '../../runs/dto/run-view.dto';

export const LEASE_EXAMPLE = {
  leases: [
    {
      run: RUN_VIEW_EXAMPLE,
      leaseToken: 'lt_Q2hlY2sgdGhlIGRvY3M',
      leaseExpiresAt: '2026-07-01T09:01:00.020Z',
    },
  ],
};

export class LeaseDto {
  @ApiProperty({ type: () => RunViewDto })
  run!: RunViewDto;

  @ApiProperty({ example: 'lt_Q2hlY2sgdGhlIGRvY3M', description: 'secret: names this attempt' })
  leaseToken!: string;

  @ApiProperty({ example: '2026-07-01T09:01:00.020Z' })
  leaseExpiresAt!: string;
}

export class LeaseResponseDto {
  @ApiProperty({ type: () => [LeaseDto], description: 'empty when nothing was due' })
  leases!: LeaseDto[];
}

export class HeartbeatResponseDto {
  @ApiProperty({ example: '2026-07-01T09:02:00.020Z' })
  leaseExpiresAt!: string;

  @ApiProperty({ example: false, description: 'true: stop and report; the run will be CANCELLED' })
  cancelRequested!: boolean;
}

export class QueueStatsDto {
  @ApiProperty({ example: 'default' })
  queue!: string;

  @ApiProperty({ example: 12 })
  pending!: number;

  @ApiProperty({ example: 3 })
  running!: number;

  @ApiProperty({ nullable: true, type: String, example: '2026-07-01T08:59:00.000Z' })
  oldestPendingNotBefore!: string | null;
}

export class QueuesResponseDto {
  @ApiProperty({ type: () => [QueueStatsDto] })
  queues!: QueueStatsDto[];
}
