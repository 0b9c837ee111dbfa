import { ApiProperty } from '@nestjs/swagger';
import type { RevisionAction } from '../revisions/trigger-revision.entity';
import { TriggerDetailsDto, TriggerStatusDto } from './trigger-details.dto';

const ACTIONS: RevisionAction[] = ['DEPLOY', 'ACTIVATE', 'DEACTIVATE', 'DELETE'];

/** One entry of a trigger's history. */
export class RevisionItemDto {
  @ApiProperty({ example: 4 })
  revision!: number;

  @ApiProperty({ enum: ACTIONS, example: 'DEPLOY' })
  action!: RevisionAction;

  @ApiProperty({ example: 'ci-bot' })
  actor!: string;

  @ApiProperty({ type: String, format: 'date-time', example: '2026-11-25T09:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'paused for the warehouse migration (ops-42)',
    description: 'the note given with an activate or deactivate (null otherwise)',
  })
  note!: string | null;

  @ApiProperty({
    type: () => TriggerStatusDto,
    description:
      'the status as it was at this revision; nextFireAt is set only on the latest revision of a live trigger',
  })
  status!: TriggerStatusDto;
}

export class RevisionListDto {
  @ApiProperty({ type: () => [RevisionItemDto] })
  revisions!: RevisionItemDto[];

  @ApiProperty({ type: String, nullable: true, example: null })
  token!: string | null;
}

/** The trigger as it was at one revision. */
export class RevisionDetailsDto extends TriggerDetailsDto {
  @ApiProperty({ enum: ACTIONS, example: 'DEACTIVATE' })
  action!: RevisionAction;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'paused for the warehouse migration (ops-42)',
    description: 'the note given with an activate or deactivate (null otherwise)',
  })
  note!: string | null;
}
