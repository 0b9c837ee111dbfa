import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors, COMMON_ERRORS } from '../common/http/api-errors';
import { Authenticator } from './authenticator';

export class CallerDto {
  @ApiProperty({ description: 'false: no API keys are configured, every caller may do anything' })
  authEnabled!: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'ci', description: "the key's name" })
  name!: string | null;

  @ApiProperty({
    example: 'writer',
    description: "the key's role (admin when authentication is off)",
  })
  role!: string;

  @ApiProperty({
    type: [String],
    example: ['billing'],
    description: 'the projects the key may touch; empty: every project',
  })
  projects!: string[];
}

/** Who the caller is: lets clients (the dashboard) show only what the key may do. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: Authenticator) {}

  @Get('me')
  @ApiOperation({
    summary: 'The API key behind this request: its name, role and projects',
    description: 'Needs any valid key when authentication is on (docs/dashboard.md).',
  })
  @ApiOkResponse({ type: CallerDto })
  @ApiErrors('UNAUTHENTICATED', ...COMMON_ERRORS)
  me(@Req() req: Request): CallerDto {
    const caller = req.caller;
    if (!this.auth.enabled || !caller) {
      return { authEnabled: false, name: null, role: 'admin', projects: [] };
    }
    return {
      authEnabled: true,
      name: caller.name,
      role: caller.role,
      projects: [...caller.projects],
    };
  }
}
