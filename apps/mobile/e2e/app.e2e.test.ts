import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_ARGS,
  MOBILE_DIR,
  bundleSize,
  chromiumPath,
  ensureWebBuild,
  istTime,
  serveDist,
  serverServesApp,
  startRealServer,
  type RunningServer,
} from './web-harness';

const SHOTS = join(MOBILE_DIR, 'e2e', 'screenshots');
const PASSWORD = 'Tr4der-Secret!';
const stamp = Date.now().toString(36);
const userA = { name: 'Asha E2E', email: `asha-${stamp}@example.com` };
const userB = { name: 'Ravi E2E', email: `ravi-${stamp}@example.com` };

let server: RunningServer;
let staticSite: { url: string; close: () => Promise<void> } | null = null;
let appUrl: string;
let browser: Browser;
let ctxA: BrowserContext;
let page: Page;
let strategyId = '';

async function newContext(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 430, height: 932 }, colorScheme: 'light' });
  if (staticSite) {
    // The app is served from another origin than the API: point it at the API as a self-hoster would.
    const apiUrl = server.url;
    await ctx.addInitScript((url) => {
      if (!localStorage.getItem('ats.server_url')) localStorage.setItem('ats.server_url', url);
    }, apiUrl);
  }
  return ctx;
}

// Stacks and tabs keep earlier screens mounted but hidden, so every lookup is limited to what is shown.
const field = (p: Page, label: string) => p.getByLabel(label, { exact: true }).filter({ visible: true }).first();
const button = (p: Page, name: string | RegExp) => p.getByRole('button', { name }).filter({ visible: true }).first();
const text = (p: Page, t: string | RegExp) => p.getByText(t, { exact: typeof t === 'string' }).filter({ visible: true }).first();

const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function register(p: Page, who: { name: string; email: string }) {
  await p.goto(appUrl);
  await p.getByRole('link', { name: 'Create an account' }).click();
  await field(p, 'Name').fill(who.name);
  await field(p, 'Email').fill(who.email);
  await field(p, 'Password').fill(PASSWORD);
  await field(p, 'Confirm password').fill(PASSWORD);
  await shot(p, '02-register');
  await button(p, 'Create account').click();
  await expect.poll(() => text(p, `Hello, ${who.name}`).isVisible(), { timeout: 20_000 }).toBe(true);
}

async function tab(p: Page, name: 'Home' | 'Strategies' | 'Broker' | 'Profile') {
  await p.getByRole('tab', { name: `${name} tab` }).or(p.getByLabel(`${name} tab`)).filter({ visible: true }).first().click();
}

async function measureTimeToInteractive(): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const ctx = await newContext();
    const p = await ctx.newPage();
    const t0 = performance.now();
    await p.goto(appUrl, { waitUntil: 'commit' });
    const email = field(p, 'Email');
    await email.waitFor({ state: 'visible', timeout: 30_000 });
    // Interactive means it takes input, not just that it is painted.
    await email.fill('x');
    samples.push(Math.round(performance.now() - t0));
    await ctx.close();
  }
  return samples;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ensureWebBuild();
  server = await startRealServer();
  if (await serverServesApp(server.url)) appUrl = server.url;
  else {
    staticSite = await serveDist();
    appUrl = staticSite.url;
  }
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
  ctxA = await newContext();
  page = await ctxA.newPage();
});

afterAll(async () => {
  await browser?.close();
  await staticSite?.close();
  await server?.stop();
});

describe('trader journey in the web build against the real server', () => {
  it('records bundle size and time to interactive', async () => {
    const ttis = await measureTimeToInteractive();
    const sorted = [...ttis].sort((a, b) => a - b);
    const metrics = {
      measured_at: new Date().toISOString(),
      machine: '2-core, headless Debian Chromium',
      bundle: bundleSize(),
      time_to_interactive_ms: { what: 'navigation start to the login email field accepting input, fresh context each', samples: ttis, median: sorted[2] },
      served_by: staticSite ? 'test static server (server does not serve / yet)' : 'the ATS server (ATS_WEB_DIST)',
    };
    writeFileSync(join(MOBILE_DIR, 'e2e', 'web-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    expect(metrics.time_to_interactive_ms.median).toBeGreaterThan(0);
  });

  it('shows the login screen and registers', async () => {
    await page.goto(appUrl);
    await field(page, 'Email').waitFor();
    await shot(page, '01-login');
    await register(page, userA);
    await shot(page, '03-home-empty');
  });

  it('connects the Paper broker', async () => {
    await tab(page, 'Broker');
    await button(page, 'Connect Paper (simulated)').click();
    await expect.poll(() => text(page, 'Connected').isVisible(), { timeout: 20_000 }).toBe(true);
    await shot(page, '04-broker');
  });

  it('shows inline validation and keeps the input on error', async () => {
    await tab(page, 'Strategies');
    await button(page, 'New strategy').click();
    await field(page, 'Symbol').fill('INFY');
    await button(page, 'Create strategy').click();
    await expect.poll(() => text(page, 'Stop-loss is mandatory').isVisible()).toBe(true);
    expect(await field(page, 'Symbol').inputValue()).toBe('INFY');
  });

  it('creates a strategy due in a few seconds', async () => {
    await button(page, /^Pick INFY on NSE/).click();
    await page.getByRole('switch', { name: 'Limit times to market hours' }).filter({ visible: true }).first().click();
    const buyAt = Date.now() + 15_000;
    await field(page, 'Buy time').fill(istTime(buyAt));
    await field(page, 'Sell time').fill(istTime(buyAt + 20_000));
    // Far below any simulated price, so the run exits at the sell time rather than being skipped.
    await field(page, 'Stop-loss (₹)').fill('1.00');
    await field(page, 'Quantity').fill('2');
    await shot(page, '05-strategy-form');
    await button(page, 'Create strategy').click();
    await page.waitForURL(/\/strategies\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    strategyId = new URL(page.url()).pathname.split('/').pop() ?? '';
    expect(strategyId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('starts it', async () => {
    await button(page, 'Start strategy').click();
    await expect.poll(() => page.getByTestId('phase-text').filter({ visible: true }).first().textContent(), { timeout: 20_000 }).toMatch(/WAITING_BUY|BUYING|BOUGHT/);
    await expect.poll(() => button(page, 'Stop strategy').isVisible()).toBe(true);
    await shot(page, '06-strategy-running');
    // Stop asks first and says the position will be sold; cancelling leaves the run untouched.
    await button(page, 'Stop strategy').click();
    await expect.poll(() => text(page, /will be sold|sells the open position/).isVisible()).toBe(true);
    await shot(page, '06b-stop-confirm');
    await button(page, 'Cancel').click();
    await expect.poll(() => button(page, 'Stop strategy').isVisible()).toBe(true);
  });

  it('sees it turn BOUGHT and then exit, without reloading', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations.push(f.url());
    });
    const phaseText = () => page.getByTestId('phase-text').filter({ visible: true }).first().textContent();
    // The run holds BOUGHT for ~20 s (buy time to sell time), so a 250 ms poll cannot miss it; only
    // BOUGHT itself counts here, not a later phase that would mean the screen skipped it.
    await expect.poll(phaseText, { timeout: 60_000, interval: 250 }).toMatch(/\(BOUGHT\)/);
    const boughtAt = Date.now();
    await expect.poll(() => text(page, 'Bought').isVisible()).toBe(true);
    await shot(page, '07-strategy-bought');
    await expect.poll(phaseText, { timeout: 90_000, interval: 250 }).toMatch(/\(EXITED_[A-Z_]+\)/);
    // Sold at the sell time, not straight after the buy: BOUGHT was on screen while the position was open.
    expect(Date.now() - boughtAt).toBeGreaterThan(5_000);
    // A finished once-strategy is COMPLETED: no Stop button, and its orders are listed.
    await expect.poll(() => button(page, 'Stop strategy').isVisible(), { timeout: 15_000 }).toBe(false);
    await expect.poll(() => text(page, /SELL 2\/2 @/).isVisible(), { timeout: 15_000 }).toBe(true);
    await shot(page, '08-strategy-exited');
    expect(navigations).toEqual([]);
  });

  it('lists the strategy and logs out', async () => {
    await page.goto(`${appUrl}/strategies`);
    await expect.poll(() => page.getByTestId(`strategy-row-${strategyId}`).isVisible(), { timeout: 20_000 }).toBe(true);
    // A fresh page load has no pushed phase: the list reads the run's status, so it says how the run ended.
    const chip = page.getByTestId(`strategy-row-${strategyId}`).filter({ visible: true }).first().getByTestId('status-chip');
    await expect.poll(() => chip.textContent(), { timeout: 20_000 }).toBe('Sold at sell time');
    await shot(page, '09-strategies');
    await tab(page, 'Home');
    await shot(page, '10-home');
    await tab(page, 'Profile');
    await shot(page, '11-profile');
    await button(page, 'Log out').click();
    await field(page, 'Email').waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => localStorage.getItem('ats.tokens'))).toBeNull();
  });

  it("a second user in another browser context sees none of the first user's data", async () => {
    const ctxB = await newContext();
    const pageB = await ctxB.newPage();
    await register(pageB, userB);
    await tab(pageB, 'Strategies');
    await expect.poll(() => text(pageB, /No strategies yet/).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await pageB.getByTestId(`strategy-row-${strategyId}`).count()).toBe(0);
    await tab(pageB, 'Broker');
    await expect.poll(() => text(pageB, 'No broker connected yet.').isVisible(), { timeout: 20_000 }).toBe(true);
    // Even a guessed id is "not found", never "forbidden".
    await pageB.goto(`${appUrl}/strategies/${strategyId}`);
    await expect.poll(() => text(pageB, 'This strategy no longer exists.').isVisible(), { timeout: 20_000 }).toBe(true);
    await shot(pageB, '12-other-user-404');
    const body = await pageB.content();
    expect(body).not.toContain(userA.email);
    expect(body).not.toContain(userA.name);
    await ctxB.close();
  });
});
