import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page's three files, shipped beside this module (nest-cli.json copies them to dist). */
export const DASHBOARD_ASSETS_DIR = join(import.meta.dirname, 'assets');

/**
 * Only this server's own files: no inline script or style, no other origin, not framed.
 * `connect-src 'self'` covers the fetches (and the SSE streams read through fetch).
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** Headers every dashboard file is answered with. */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DashboardFiles {
  readonly html: string;
  readonly script: string;
  readonly style: string;
}

/** Read once: the files are part of the package and do not change while it runs. */
export function loadDashboardFiles(dir = DASHBOARD_ASSETS_DIR): DashboardFiles {
  return {
    html: readFileSync(join(dir, 'index.html'), 'utf8'),
    script: readFileSync(join(dir, 'dashboard.js'), 'utf8'),
    style: readFileSync(join(dir, 'dashboard.css'), 'utf8'),
  };
}

/**
 * The page with whether mutations need a token (the page asks for one only then; it says
 * only *that* a token is set). `trailingSlash`: the page was asked for as `ui/` (Express
 * routes it too), where its files are `dashboard.js`, not `ui/dashboard.js`; relative
 * either way, so a proxy's sub-path stays.
 */
export function renderDashboardHtml(template: string, tokenRequired: boolean, trailingSlash = false): string {
  return template.replace('{{TOKEN_REQUIRED}}', tokenRequired ? 'required' : 'none').replaceAll('{{ASSETS}}', trailingSlash ? '' : 'ui/');
}
