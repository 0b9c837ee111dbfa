import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '../common/errors';
import { type Asset, loadAssets } from './ui-assets';

/**
 * The dashboard's own policy (docs/dashboard.md): scripts, styles and API calls from this origin
 * only, no inline code, no framing. Stricter than the app-wide one, which Swagger UI needs.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Serves the dashboard at /ui: index.html and its assets, nothing read per request from disk. */
@ApiExcludeController()
@Controller('ui')
export class UiController {
  private readonly assets = loadAssets();

  @Get()
  @Header('Cache-Control', 'no-cache')
  index(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get(':file')
  @Header('Cache-Control', 'no-cache')
  file(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }

  @Get(':folder/:file')
  @Header('Cache-Control', 'no-cache')
  nested(@Param('folder') folder: string, @Param('file') file: string, @Res() res: Response): void {
    this.send(res, `${folder}/${file}`);
  }

  private send(res: Response, path: string): void {
    const asset: Asset | undefined = this.assets.get(path);
    if (!asset) throw new DomainError('NOT_FOUND', `no dashboard file /ui/${path}`);
    res.setHeader('Content-Security-Policy', UI_CSP);
    res.setHeader('Content-Type', asset.type);
    res.send(asset.body);
  }
}
