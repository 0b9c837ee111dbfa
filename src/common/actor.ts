import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    /** the authenticated caller's name, set by the auth guard */
    actor?: string;
  }
}

export const ANONYMOUS = 'anonymous';

/** The caller recorded as deployedBy / updatedBy / revision actor ('anonymous' until auth sets it). */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<Request>().actor ?? ANONYMOUS;
});
