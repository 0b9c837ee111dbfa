import { Module } from '@nestjs/common';
import { UiController } from './ui.controller';

/** The web dashboard at /ui (docs/dashboard.md): static files that use only the public API. */
@Module({ controllers: [UiController] })
export class UiModule {}
