import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';
import { MAX_COMPLETIONS } from '../../runs/lifecycle/completions';
import { RUN_VIEW_EXAMPLE, RunViewDto } from '../../runs/dto/run-view.dto';
import { CompleteBodyDto } from './lease.dto';

export class CompletionDto extends CompleteBodyDto {
  @ApiProperty({ example: '0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55', description: "the run's id" })
  @IsString()
  @Length(1, 64)
  id!: string;
}

/** Body of `POST /runs/complete`. */
export class CompleteManyBodyDto {
  @ApiProperty({
    type: () => [CompletionDto],
    minItems: 1,
    maxItems: MAX_COMPLETIONS,
    description: `1–${MAX_COMPLETIONS} completions, each fenced by its own lease token`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_COMPLETIONS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => CompletionDto)
  runs!: CompletionDto[];
}

export class CompletionErrorDto {
  @ApiProperty({ example: 'LEASE_LOST', enum: ['LEASE_LOST', 'RUN_NOT_FOUND'] })
  code!: string;

  @ApiProperty({ example: 'the lease token is not the current, unexpired lease of run …' })
  message!: string;
}

export class CompletionOutcomeDto {
  @ApiProperty({ example: '0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55' })
  id!: string;

  @ApiProperty({
    example: 200,
    enum: [200, 404, 409],
    description: 'what POST /runs/{id}/complete would answer',
  })
  status!: number;

  @ApiPropertyOptional({ type: () => RunViewDto, description: 'the run, SUCCEEDED (status 200)' })
  run?: RunViewDto;

  @ApiPropertyOptional({ type: () => CompletionErrorDto, description: 'why not (404, 409)' })
  error?: CompletionErrorDto;
}

export class CompleteManyResponseDto {
  @ApiProperty({ type: () => [CompletionOutcomeDto], description: "in the request's order" })
  runs!: CompletionOutcomeDto[];
}

export const COMPLETE_MANY_EXAMPLE = {
  runs: [
    { id: RUN_VIEW_EXAMPLE.id, status: 200, run: { ...RUN_VIEW_EXAMPLE, state: 'SUCCEEDED' } },
    {
      id: '7d0c5b9e-1f2a-4e3b-8c6d-5a4b3c2d1e0f',
      status: 409,
      error: {
        code: 'LEASE_LOST',
        message:
          'the lease token is not the current, unexpired lease of run 7d0c5b9e-1f2a-4e3b-8c6d-5a4b3c2d1e0f (the run is PENDING)',
      },
    },
  ],
};
