import { ApiProperty } from '@nestjs/swagger';
import { TriggerNameDto } from '../../common/http/trigger-key.dto';
import { IsIntString } from '../../common/http/query-validators';

/** product.md §2: an expected revision is at most 2³¹−1. */
export const MAX_REVISION = 2_147_483_647;

/** Path segments of `…/revisions/{revision}`. */
export class RevisionKeyParams extends TriggerNameDto {
  @ApiProperty({ example: '3', description: 'revision number, 1 to 2147483647' })
  @IsIntString(1, MAX_REVISION)
  revision!: string;
}
