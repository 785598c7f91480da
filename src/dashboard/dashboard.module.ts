import { Module } from '@nestjs/common';
import { DashboardController } from './presentation/dashboard.controller.js';

/** The web dashboard (`<prefix>/ui`): reads and drives the supervisor's and history's routes. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
