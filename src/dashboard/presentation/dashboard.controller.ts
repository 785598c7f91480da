import { Controller, Get, Header, HttpCode, Inject, Req, UseGuards } from '@nestjs/common';
import { SETTINGS, type ProcguardSettings } from '../../config/settings.js';
import { MutationAuthGuard } from '../../supervisor/presentation/mutation-auth.guard.js';
import { DASHBOARD_HEADERS, loadDashboardFiles, renderDashboardHtml, type DashboardFiles } from './dashboard-page.js';

const [CSP, NOSNIFF, REFERRER, CACHE] = [
  DASHBOARD_HEADERS['content-security-policy'],
  DASHBOARD_HEADERS['x-content-type-options'],
  DASHBOARD_HEADERS['referrer-policy'],
  DASHBOARD_HEADERS['cache-control'],
];

/**
 * `GET <prefix>/ui`: the operator's page, its script and its style, all from this
 * package. The page finds the API relative to its own URL, so any global prefix works.
 */
@Controller('ui')
export class DashboardController {
  private readonly files: DashboardFiles;
  private readonly html: { readonly plain: string; readonly trailingSlash: string };

  constructor(@Inject(SETTINGS) settings: Pick<ProcguardSettings, 'API_TOKEN'>) {
    this.files = loadDashboardFiles();
    const tokenRequired = settings.API_TOKEN !== null;
    this.html = {
      plain: renderDashboardHtml(this.files.html, tokenRequired),
      trailingSlash: renderDashboardHtml(this.files.html, tokenRequired, true),
    };
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', CSP)
  @Header('x-content-type-options', NOSNIFF)
  @Header('referrer-policy', REFERRER)
  @Header('cache-control', CACHE)
  page(@Req() request: { readonly url?: string }): string {
    const path = (request.url ?? '').split('?')[0];
    return path.endsWith('/') ? this.html.trailingSlash : this.html.plain;
  }

  @Get('dashboard.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('x-content-type-options', NOSNIFF)
  @Header('cache-control', CACHE)
  script(): string {
    return this.files.script;
  }

  @Get('dashboard.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('x-content-type-options', NOSNIFF)
  @Header('cache-control', CACHE)
  style(): string {
    return this.files.style;
  }

  /**
   * 204 when this request would pass the mutation guard (token, same origin): the page
   * checks a token here before it keeps it. Nothing changes.
   */
  @Get('session')
  @HttpCode(204)
  @UseGuards(MutationAuthGuard)
  session(): void {}
}
