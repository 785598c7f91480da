import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_CSP, loadDashboardFiles, renderDashboardHtml } from './dashboard-page.js';

describe('the dashboard page', () => {
  it('says whether a token is required, and nothing of the token', () => {
    const { html } = loadDashboardFiles();

    expect(renderDashboardHtml(html, true)).toContain('<meta name="procguard-token" content="required">');
    expect(renderDashboardHtml(html, false)).toContain('<meta name="procguard-token" content="none">');
  });

  it('names its files relative to where it was asked for: ui or ui/', () => {
    const { html } = loadDashboardFiles();

    expect(renderDashboardHtml(html, false)).toContain('<script src="ui/dashboard.js" defer></script>');
    expect(renderDashboardHtml(html, false, true)).toContain('<script src="dashboard.js" defer></script>');
    expect(renderDashboardHtml(html, false, true)).toContain('<link rel="stylesheet" href="dashboard.css">');
  });

  it('ships its files beside the module, each referenced by the page relative to it, nothing inline or remote', () => {
    const { script, style } = loadDashboardFiles();
    const html = renderDashboardHtml(loadDashboardFiles().html, false);

    expect(html).toContain('<script src="ui/dashboard.js" defer></script>');
    expect(html).toContain('<link rel="stylesheet" href="ui/dashboard.css">');
    expect(html).not.toMatch(/https?:\/\/|<script>|<style|\sstyle=|\son\w+=/);
    expect(script).not.toMatch(/https?:\/\/|new EventSource|innerHTML|eval\(/);
    expect(style).not.toMatch(/@import|url\(/);
  });

  it('reads the given directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'procguard-assets-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<p>{{TOKEN_REQUIRED}}</p>');
      writeFileSync(join(dir, 'dashboard.js'), 'js');
      writeFileSync(join(dir, 'dashboard.css'), 'css');
      const files = loadDashboardFiles(dir);
      expect(renderDashboardHtml(files.html, false)).toBe('<p>none</p>');
      expect(files).toMatchObject({ script: 'js', style: 'css' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("allows only this server's own files, never framed", () => {
    expect(DASHBOARD_CSP.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]),
    );
    expect(DASHBOARD_CSP).not.toContain('unsafe');
  });
});
