import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { cleanup, FIXTURES, freePort, getJson, startInstance, tempDir, waitExit, waitFor, waitReady } from './support/harness.js';
import { fixture, processStatus, startBackend, type Backend } from './support/supervisor-harness.js';

// A real browser (Debian's chromium, never a downloaded one) against the real backend and agents.
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'a-long-enough-dashboard-token-42';
/** Bounded waits for the page: generous, the machine is shared. */
const UI_TIMEOUT = 30_000;
// A browser and one or two backends per test, several bounded waits each: more than the project's 60 s.
jest.setTimeout(180_000);

function config(triggerFile: string): string {
  return `
processes:
  - name: printer
    command: node
    args: ["${fixture('line-on-trigger.mjs')}"]
    env:
      TRIGGER_FILE: "${triggerFile}"
    killTimeoutMs: 2000
  - name: idler
    command: node
    args: ["${fixture('sleeper.mjs')}"]
    killTimeoutMs: 2000
`;
}

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(cleanup);

interface Opened {
  readonly page: Page;
  /** Every URL the page requested, to show nothing left the origin and no token was in one. */
  readonly requested: string[];
  readonly errors: string[];
}

async function open(url: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requested: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  await page.goto(url, { timeout: UI_TIMEOUT });
  return { page, requested, errors };
}

const stateCell = (page: Page, name: string) => page.locator(`#process-table tr[data-name="${name}"] td.state`);

async function waitState(page: Page, name: string, state: string): Promise<void> {
  await stateCell(page, name).filter({ hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: UI_TIMEOUT });
}

async function startWithTrigger(env: NodeJS.ProcessEnv = {}): Promise<{ backend: Backend; trigger: string }> {
  const dir = tempDir('procguard-dashboard-');
  const trigger = join(dir, 'trigger.txt');
  const backend = await startBackend(config(trigger), env, dir);
  await waitFor(async () => (await processStatus(backend, 'printer')).state === 'running', 'printer to run');
  return { backend, trigger };
}

describe('the web dashboard, in a real browser', () => {
  it('shows the instance and processes, stops and starts one, tails a new log line and lists the events', async () => {
    const { backend, trigger } = await startWithTrigger();
    const origin = `http://127.0.0.1:${backend.port}`;

    // The server's `/` opens the page at <prefix>/ui.
    const { page, requested, errors } = await open(`${origin}/`);
    expect(page.url()).toBe(`${origin}/api/ui`);

    await waitState(page, 'printer', 'running');
    await waitState(page, 'idler', 'running');
    await page.locator('#instance-facts [data-fact="pid"]').filter({ hasText: String(backend.proc.pid) }).waitFor({ timeout: UI_TIMEOUT });
    await page.locator('#checks tr[data-check="database"] td.status-up').waitFor({ timeout: UI_TIMEOUT });

    await page.locator('#process-table tr[data-name="idler"] button[data-action="stop"]').click();
    await waitState(page, 'idler', 'stopped');
    expect((await processStatus(backend, 'idler')).state).toBe('stopped');
    // The change reached the page over the event stream too.
    await page.locator('#event-list li', { hasText: 'idler: stopping → stopped' }).waitFor({ timeout: UI_TIMEOUT });

    await page.locator('#process-table tr[data-name="idler"] button[data-action="start"]').click();
    await waitState(page, 'idler', 'running');

    await page.locator('#process-table tr[data-name="printer"] button.link').click();
    await page.locator('#log-lines', { hasText: 'waiting for' }).waitFor({ timeout: UI_TIMEOUT });
    const marker = `line-${Date.now()}`;
    writeFileSync(trigger, marker);
    await page.locator('#log-lines span.line', { hasText: `trigger: ${marker}` }).waitFor({ timeout: UI_TIMEOUT });

    // CPU and memory come from the resource sampler, between events: the page shows what the API says.
    const row = page.locator('#process-table tr[data-name="printer"]');
    await row.locator('td.cpu', { hasText: /^\d+\.\d %$/ }).waitFor({ timeout: UI_TIMEOUT });
    await row.locator('td.rss', { hasText: /^\d+(\.\d)? (KiB|MiB)$/ }).waitFor({ timeout: UI_TIMEOUT });
    const [amount, unit] = (await row.locator('td.rss').innerText()).split(' ');
    const shownBytes = Number(amount) * (unit === 'MiB' ? 2 ** 20 : 2 ** 10);
    const { rssBytes } = (await processStatus(backend, 'printer')).resources!;
    expect(shownBytes).toBeGreaterThan(rssBytes / 2);
    expect(shownBytes).toBeLessThan(rssBytes * 2);

    const shot = join(backend.dataDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.DASHBOARD_SCREENSHOT) copyFileSync(shot, process.env.DASHBOARD_SCREENSHOT);

    expect(errors).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
  });

  it('serves the page with a strict Content-Security-Policy and no outside resource', async () => {
    const { backend } = await startWithTrigger();
    const res = await fetch(`http://127.0.0.1:${backend.port}/api/ui`);
    const html = await res.text();

    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>|\sstyle=|\son\w+=/); // nothing inline the CSP would have to allow
  });

  it('with API_TOKEN set, asks for the token, refuses a wrong one, then works with the right one sent as a header only', async () => {
    const { backend } = await startWithTrigger({ API_TOKEN: TOKEN });
    const origin = `http://127.0.0.1:${backend.port}`;
    const { page, requested, errors } = await open(`${origin}/api/ui`);

    await page.locator('#login').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.locator('#app').isVisible()).toBe(false);

    await page.fill('#token', 'not-the-token-at-all');
    await page.click('#login button[type="submit"]');
    await page.locator('#login-error', { hasText: 'Bearer' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.locator('#app').isVisible()).toBe(false);

    const sentTokens: string[] = [];
    page.on('request', (request) => {
      const authorization = request.headers()['authorization'];
      if (authorization) sentTokens.push(authorization);
    });
    await page.fill('#token', TOKEN);
    await page.click('#login button[type="submit"]');
    await waitState(page, 'idler', 'running');

    await page.locator('#process-table tr[data-name="idler"] button[data-action="stop"]').click();
    await waitState(page, 'idler', 'stopped');
    expect((await processStatus(backend, 'idler')).state).toBe('stopped');
    expect(sentTokens).toContain(`Bearer ${TOKEN}`);

    // Kept for the tab: a reload does not ask again.
    await page.reload({ timeout: UI_TIMEOUT });
    await waitState(page, 'idler', 'stopped');
    expect(await page.locator('#login').isVisible()).toBe(false);

    expect(requested.filter((url) => url.includes(TOKEN) || url.includes(encodeURIComponent(TOKEN)))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('bound off loopback without a token, shows everything and says why a button was refused', async () => {
    const { backend } = await startWithTrigger({ HOST: '0.0.0.0' });
    const { page, errors } = await open(`http://127.0.0.1:${backend.port}/api/ui`);

    await waitState(page, 'idler', 'running');
    await page.locator('#process-table tr[data-name="idler"] button[data-action="stop"]').click();
    await page.locator('#action-error', { hasText: 'Mutating endpoints are disabled' }).waitFor({ timeout: UI_TIMEOUT });
    expect((await processStatus(backend, 'idler')).state).toBe('running');
    expect(await page.locator('#login').isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it('when the backend restarts under an open page, reconnects both streams and tails the new run from its first line', async () => {
    const { backend, trigger } = await startWithTrigger();
    const { page, errors } = await open(`http://127.0.0.1:${backend.port}/api/ui`);
    await page.locator('#log-lines', { hasText: 'waiting for' }).waitFor({ timeout: UI_TIMEOUT });
    writeFileSync(trigger, 'before the restart');
    await page.locator('#log-lines span.line', { hasText: 'trigger: before the restart' }).waitFor({ timeout: UI_TIMEOUT });

    backend.proc.child.kill('SIGTERM');
    expect((await waitExit(backend.proc, 30_000)).code).toBe(0);
    await page.locator('#connection', { hasText: 'reconnecting' }).waitFor({ timeout: UI_TIMEOUT });
    // The same data directory and port: the page's origin is unchanged.
    const again = startInstance({ dataDir: backend.dataDir, port: backend.port, env: { PROCESSES_CONFIG: backend.configPath } });
    await waitReady(again, backend.port);

    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: UI_TIMEOUT });
    await page.locator('#instance-facts [data-fact="pid"]').filter({ hasText: String(again.pid) }).waitFor({ timeout: UI_TIMEOUT });
    // The new run's first line (its seq 1 is below the old run's ids) and a line printed after it.
    await page.locator('#log-lines .gap', { hasText: 'the backend restarted' }).waitFor({ timeout: UI_TIMEOUT });
    writeFileSync(trigger, 'after the restart');
    await page.locator('#log-lines span.line', { hasText: 'trigger: after the restart' }).waitFor({ timeout: UI_TIMEOUT });
    const afterGap = await page.locator('#log-lines').innerText();
    expect(afterGap.slice(afterGap.indexOf('the backend restarted'))).toMatch(/waiting for[\s\S]*trigger: after the restart/);
    // The new run's events arrived over the resumed event stream.
    await page.locator('#event-list li', { hasText: 'printer: starting → running' }).nth(1).waitFor({ timeout: UI_TIMEOUT });
    expect(errors).toEqual([]);
  });

  it("inside a host app under the global prefix ops/v1, finds the API from its own URL and drives it", async () => {
    const dir = tempDir('procguard-dashboard-');
    const trigger = join(dir, 'trigger.txt');
    const configPath = join(dir, 'processes.yaml');
    writeFileSync(configPath, config(trigger));
    const port = await freePort();
    const host = startInstance({ dataDir: dir, port, script: join(FIXTURES, 'host-variants.mjs'), env: { HOST_VARIANT: 'deep-prefix', PROCESSES_CONFIG: configPath } });
    await waitFor(async () => (await getJson(port, '/ops/v1/health/ready')).status === 200, 'the host to be ready', 30_000);
    const origin = `http://127.0.0.1:${port}`;

    const { page, requested, errors } = await open(`${origin}/ops/v1/ui`);
    await waitState(page, 'idler', 'running');
    await page.locator('#instance-facts [data-fact="pid"]').filter({ hasText: String(host.pid) }).waitFor({ timeout: UI_TIMEOUT });
    await page.locator('#process-table tr[data-name="idler"] button[data-action="stop"]').click();
    await waitState(page, 'idler', 'stopped');
    expect((await getJson(port, '/ops/v1/processes/idler')).body.state).toBe('stopped');
    await page.locator('#log-lines', { hasText: 'waiting for' }).waitFor({ timeout: UI_TIMEOUT });
    writeFileSync(trigger, 'under a prefix');
    await page.locator('#log-lines span.line', { hasText: 'trigger: under a prefix' }).waitFor({ timeout: UI_TIMEOUT });

    expect(requested.filter((url) => !url.startsWith(`${origin}/ops/v1/`))).toEqual([]);
    expect(errors).toEqual([]);
  });

  describe('from another site', () => {
    let evil: Server | undefined;
    afterEach(async () => {
      await new Promise((resolve) => (evil ? evil.close(resolve) : resolve(undefined)));
      evil = undefined;
    });

    it('a form that posts to stop is refused and the process keeps running', async () => {
      const { backend } = await startWithTrigger();
      const evilPort = await freePort();
      const action = `http://127.0.0.1:${backend.port}/api/processes/idler/stop`;
      evil = createServer((_req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<form id="f" method="post" action="${action}"><input name="x" value="1"></form><script>document.getElementById('f').submit()</script>`);
      });
      await new Promise<void>((resolve) => evil!.listen(evilPort, '127.0.0.1', resolve));

      const page = await browser.newPage();
      const refused = page.waitForResponse((res) => res.url() === action, { timeout: UI_TIMEOUT });
      // Another port of the same host: another origin, as the guard holds it.
      await page.goto(`http://localhost:${evilPort}/`, { timeout: UI_TIMEOUT });
      const res = await refused;

      expect([403, 415]).toContain(res.status());
      expect((await processStatus(backend, 'idler')).state).toBe('running');
    });
  });
});
