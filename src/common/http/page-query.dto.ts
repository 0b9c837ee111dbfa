import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsIntString } from './query-validators';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_TOKEN_LENGTH = 2048;

/** Paging query parameters shared by every list. */
export class PageQueryDto {
  @ApiPropertyOptional({ example: '50', description: '1–500, default 50' })
  @IsOptional()
  @IsIntString(1, MAX_PAGE_SIZE)
  limit?: string;

  @ApiPropertyOptional({ description: 'the `token` of the previous page (opaque)' })
  @IsOptional()
  @IsString()
  @Length(1, MAX_TOKEN_LENGTH)
  token?: string;

  /**
   * The page size as a number (the validator has checked the text). A method, not a getter: a
   * query parameter of the same name must stay an unknown field (400), and class-transformer
   * cannot assign over a getter (it threw, a 500).
   */
  pageSize(): number {
    return this.limit === undefined ? DEFAULT_PAGE_SIZE : Number(this.limit);
  }
}
