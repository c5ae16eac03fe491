import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, percent, topShare, usd } from '../../dashboard/src/format.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * The dashboard in a real Chromium (Debian's, driven by playwright-core) against a real gateway with seeded
 * traffic. Screenshots of each view go to test-artifacts/dashboard/.
 */
const chromiumPath = '/usr/bin/chromium';
// .ci/run drives the browser once, on the first Node it tests; the dashboard's server side runs everywhere.
const turnedOff = process.env.SLUICE_BROWSER_TESTS === 'off';
const haveChromium = !turnedOff && existsSync(chromiumPath);
if (turnedOff) console.warn('[dashboard browser tests] skipping: SLUICE_BROWSER_TESTS=off (they ran on the first Node of this CI run)');
else if (!haveChromium) console.warn(`[dashboard browser tests] skipping: ${chromiumPath} is absent (apt-get install -y chromium; .ci/run does it)`);
const artifacts = join(process.cwd(), 'test-artifacts', 'dashboard');

let harness: TestGateway;
let browser: Browser;
let adminToken: string;
let analyticsToken: string;

/** Seeded calls: two teams, three users, four keys, two providers; one cache hit and one upstream error. */
async function seedTraffic(): Promise<void> {
  const bobToken = await harness.issueKey({ name: 'bob-laptop', userName: 'bob', teamName: 'research' });
  const cyToken = await harness.issueKey({ name: 'cy-ci', userName: 'cy', teamName: 'design' });
  const openai = (token: string) => new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  const ask = (token: string, model: string, content: string, headers: Record<string, string> = {}) =>
    openai(token).chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens: 64 }, { headers });
  const calls: Array<Promise<unknown>> = [];
  for (let index = 0; index < 12; index++) calls.push(ask(harness.token, 'gpt-4o-mini', `ada question ${index}`));
  for (let index = 0; index < 6; index++) calls.push(ask(bobToken, 'gpt-4o', `bob question ${index}`));
  for (let index = 0; index < 4; index++) {
    const anthropic = new Anthropic({ apiKey: cyToken, baseURL: harness.url, maxRetries: 0 });
    calls.push(anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: `cy question ${index}` }] }));
  }
  await Promise.all(calls);
  await expect(ask(cyToken, 'gpt-4o-mini', '[[mock {"status": 400, "errorMessage": "bad prompt"}]]')).rejects.toMatchObject({ status: 400 });
  // The same question twice with the cache on: the second is a hit, the newest row of all.
  await ask(harness.token, 'gpt-4o-mini', 'cached question', { 'x-sluice-cache': 'true' });
  const hit = await openai(harness.token).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'cached question' }], max_tokens: 64 }, { headers: { 'x-sluice-cache': 'true' } }).withResponse();
  expect(hit.response.headers.get('x-sluice-cache')).toBe('HIT');
  await harness.gateway.services.usageWriter.flush();
}

const hourMs = 3_600_000;

/**
 * Two past windows for the Top callouts, an hour each and older than the 24h the other tests look at.
 * `even`: the top team and the top key hold exactly half the spend, the top user less (37.5%): no callout.
 * `over`: one team, user and key hold 1.015625 / 2.015625 (50.39%) of it: all three callouts. Costs are
 * sums of powers of two, so every share is exact whatever order the rollups add them in.
 */
const topWindows = {
  even: { start: Math.floor((Date.now() - 30 * hourMs) / hourMs) * hourMs },
  over: { start: Math.floor((Date.now() - 40 * hourMs) / hourMs) * hourMs },
};

async function seedTopWindows(): Promise<void> {
  const store = harness.gateway.services.store;
  const keyIds = new Map<string, string>();
  for (const name of ['even-key-1', 'even-key-2', 'over-key-1', 'over-key-2']) {
    await harness.issueKey({ name });
    keyIds.set(name, (await store.listKeys()).find((key) => key.name === name)!.id);
  }
  const row = (id: string, window: keyof typeof topWindows, keyName: string, userName: string, teamName: string, costUsd: number) =>
    testUsageRow(id, { createdAt: topWindows[window].start + 30 * 60_000, keyId: keyIds.get(keyName)!, userName, teamName, costUsd });
  await store.recordUsage([
    row('01TOPEVEN1', 'even', 'even-key-1', 'even-ann', 'even-team-1', 0.75),
    row('01TOPEVEN2', 'even', 'even-key-1', 'even-ben', 'even-team-1', 0.25),
    row('01TOPEVEN3', 'even', 'even-key-2', 'even-ben', 'even-team-2', 0.5),
    row('01TOPEVEN4', 'even', 'even-key-2', 'even-cat', 'even-team-2', 0.5),
    row('01TOPOVER1', 'over', 'over-key-1', 'over-dan', 'over-team-1', 1.015625),
    row('01TOPOVER2', 'over', 'over-key-2', 'over-eve', 'over-team-2', 1),
  ]);
}

/** What the analytics API says, read with the admin key (the figures the pages must show). */
async function analytics<T>(path: string): Promise<T> {
  const answer = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as T;
}

interface Totals {
  calls: number;
  errors: number;
  cost_usd: number;
  saved_usd: number;
  cache_hits: number;
}

async function newPage(width: number, height: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[dashboard page error]', error.message));
  return { context, page };
}

async function logIn(page: Page, key: string): Promise<void> {
  await page.goto(`${harness.url}/dashboard/`);
  await page.getByLabel('Gateway key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

describe.skipIf(!haveChromium)('dashboard in Chromium', () => {
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    harness = await startTestGateway({
      cache: { partition: 'team' },
      // Called only by the Routing test, the last: the other tests' figures do not count it.
      groups: { coder: { policy: 'failover', targets: [{ model: 'openai:coder-a' }, { model: 'anthropic:coder-b' }], retry: { attempts: 2, maxRetryAfterMs: 5_000 } } },
    });
    adminToken = await harness.issueKey({ name: 'ops-admin', role: 'admin' });
    analyticsToken = await harness.issueKey({ name: 'finance-reader', role: 'analytics' });
    await harness.gateway.services.store.setPrincipal('team', { name: 'research', limits: { budget: { period: 'month', softUsd: 5, hardUsd: 10 } }, allowedModels: null });
    await harness.gateway.services.principals.reload();
    await seedTraffic();
    await seedTopWindows();
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('refuses a wrong key on the login page and sets no cookie', async () => {
    const { context, page } = await newPage(1280, 800);
    await logIn(page, 'sk-sluice-this-is-not-a-key');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('cannot open the dashboard');
    expect(await context.cookies()).toEqual([]);
    await shot(page, 'login-refused');
    await context.close();
  });

  it('shows the seeded figures on Cost, Activity, Spend by identity and Requests, with a filter chip and pages', async () => {
    const { context, page } = await newPage(1280, 900);
    await logIn(page, adminToken);
    const cost = await analytics<{ totals: Totals; data: Array<{ group: string }> }>('/analytics/cost?window=24h&group_by=model');
    expect(cost.totals.calls).toBe(25);
    const spendCard = page.getByTestId('card-spend');
    await expect.poll(() => spendCard.locator('.card-value').textContent()).toBe(usd(cost.totals.cost_usd));
    expect(await page.getByTestId('card-calls').locator('.card-value').textContent()).toBe(count(cost.totals.calls));
    expect(await page.getByTestId('card-savings').locator('.card-value').textContent()).toBe(usd(cost.totals.saved_usd));
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'claude-haiku-4-5']) await expect.poll(() => page.getByRole('cell', { name: model, exact: true }).count()).toBe(1);
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, 'cost');
    // Pointing at the last bucket (where all the traffic is) shows that bucket's values in the legend.
    const plot = page.locator('.chart .u-over').first();
    const box = (await plot.boundingBox())!;
    await plot.hover({ position: { x: box.width - 2, y: box.height / 2 } });
    await expect.poll(() => page.locator('.legend-when').first().textContent()).toMatch(/^At /);
    await page.mouse.move(0, 0);

    await page.getByRole('link', { name: 'Activity' }).click();
    await expect.poll(() => page.getByTestId('card-activity-calls').locator('.card-value').textContent()).toBe(count(cost.totals.calls));
    await expect.poll(() => page.getByRole('cell', { name: 'upstream_error' }).count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('cell', { name: 'claude-haiku-4-5' }).count()).toBe(1);
    await shot(page, 'activity');

    // Spend by identity: teams expand to their users; Filter scopes Cost to the team as a removable chip.
    await page.getByRole('link', { name: 'Spend by identity' }).click();
    await page.getByRole('button', { name: 'Per team', exact: true }).click();
    const teams = page.getByTestId('teams');
    const research = teams.locator('tr', { has: page.getByRole('cell', { name: 'research', exact: true }) });
    await research.waitFor();
    expect(await research.textContent()).toContain('/ $10.00 (soft $5.00, hard $10.00) per month');
    await research.getByRole('button', { name: 'Expand' }).click();
    const users = teams.getByTestId('team-users');
    await expect.poll(() => users.getByRole('cell', { name: 'ada', exact: true }).count()).toBe(1);
    expect(await users.getByRole('cell', { name: 'bob', exact: true }).count()).toBe(1);
    expect(await users.getByRole('cell', { name: 'cy', exact: true }).count()).toBe(0);
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await page.getByTestId('keys').getByRole('cell', { name: 'bob-laptop' }).waitFor();
    await shot(page, 'identity');
    await page.getByRole('button', { name: 'Per team', exact: true }).click();
    await teams.locator('tr', { has: page.getByRole('cell', { name: 'research', exact: true }) }).getByRole('button', { name: 'Filter' }).click();
    const researchCost = await analytics<{ totals: Totals }>('/analytics/cost?window=24h&team=research');
    expect(researchCost.totals.cost_usd).toBeLessThan(cost.totals.cost_usd);
    await expect.poll(() => page.getByTestId('filter-chip').textContent()).toContain('team research');
    await expect.poll(() => spendCard.locator('.card-value').textContent()).toBe(usd(researchCost.totals.cost_usd));
    await shot(page, 'cost-filtered');
    await page.getByRole('button', { name: 'Remove the filter team research' }).click();
    expect(await page.getByTestId('filter-chip').count()).toBe(0);
    await expect.poll(() => spendCard.locator('.card-value').textContent()).toBe(usd(cost.totals.cost_usd));

    // Requests: 25 rows make two pages of 20; the newest is the cache hit, with its badge and saving.
    await page.getByRole('link', { name: 'Requests' }).click();
    const rows = page.getByTestId('requests-view').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(20);
    const badge = page.getByTestId('cached-badge').first();
    await badge.waitFor();
    expect(await badge.textContent()).toMatch(/^Cached · saved \$/);
    await shot(page, 'requests');
    await page.getByRole('button', { name: 'Older →' }).click();
    await expect.poll(() => rows.count()).toBe(5);
    expect(await page.getByRole('button', { name: 'Older →' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: '← Newer' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    await page.getByLabel('Outcome').selectOption('error');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('upstream_error');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    // The row under the cache hit is the call that filled the cache: priced, with its price explained.
    await rows.nth(1).click();
    const detail = page.getByTestId('request-detail');
    await detail.waitFor();
    const explained = await analytics<{ price: { explanation: string } }>(`/analytics/requests/${(await analytics<{ data: Array<{ id: string }> }>('/analytics/requests?limit=2')).data[1]!.id}`);
    expect(explained.price.explanation).toMatch(/\$/);
    expect(await detail.textContent()).toContain(explained.price.explanation);
    await page.screenshot({ path: join(artifacts, 'request-detail.png') });
    await context.close();
  });

  it('a user inside an expanded team is a link scoping Cost and Activity to that user, and each key lists its API shapes with their calls', async () => {
    const { context, page } = await newPage(1280, 900);
    await logIn(page, adminToken);
    await page.getByTestId('card-spend').waitFor();
    await page.getByRole('link', { name: 'Spend by identity' }).click();
    await page.getByRole('button', { name: 'Per team', exact: true }).click();
    const teams = page.getByTestId('teams');
    const research = teams.locator('tr', { has: page.getByRole('cell', { name: 'research', exact: true }) });
    await research.waitFor();
    // USERS: ada and bob called as research, cy as design.
    const byTeam = await analytics<{ data: Array<{ team: string; users: number }> }>('/analytics/by_team?window=24h');
    expect(byTeam.data.map((team) => [team.team, team.users])).toEqual([
      ['research', 2],
      ['design', 1],
    ]);
    const headers = (await teams.locator('thead th').allTextContents()).map((text) => text.replace(/[▲▼]/g, '').trim());
    const usersColumn = headers.indexOf('Users');
    expect(usersColumn).toBeGreaterThan(0);
    expect(await research.locator('td').nth(usersColumn).textContent()).toBe('2');
    expect(await teams.locator('tr', { has: page.getByRole('cell', { name: 'design', exact: true }) }).locator('td').nth(usersColumn).textContent()).toBe('1');

    await research.getByRole('button', { name: 'Expand' }).click();
    const bobLink = teams.getByTestId('team-users').getByRole('link', { name: 'bob', exact: true });
    await bobLink.click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/cost');
    const bobCost = await analytics<{ totals: Totals }>('/analytics/cost?window=24h&user=bob');
    const allCost = await analytics<{ totals: Totals }>('/analytics/cost?window=24h');
    expect(bobCost.totals.calls).toBe(6);
    expect(bobCost.totals.cost_usd).toBeLessThan(allCost.totals.cost_usd);
    await expect.poll(() => page.getByTestId('filter-chip').textContent()).toContain('user bob');
    const spendCard = page.getByTestId('card-spend');
    await expect.poll(() => spendCard.locator('.card-value').textContent()).toBe(usd(bobCost.totals.cost_usd));
    expect(await page.getByTestId('card-calls').locator('.card-value').textContent()).toBe(count(6));
    // Only bob's model: the table is scoped too.
    await expect.poll(() => page.getByRole('cell', { name: 'gpt-4o', exact: true }).count()).toBe(1);
    for (const model of ['gpt-4o-mini', 'claude-haiku-4-5']) expect(await page.getByRole('cell', { name: model, exact: true }).count()).toBe(0);
    await shot(page, 'cost-user');
    await page.getByRole('link', { name: 'Activity' }).click();
    expect(await page.getByTestId('filter-chip').textContent()).toContain('user bob');
    await expect.poll(() => page.getByTestId('card-activity-calls').locator('.card-value').textContent()).toBe(count(6));
    await page.getByRole('button', { name: 'Remove the filter user bob' }).click();
    expect(await page.getByTestId('filter-chip').count()).toBe(0);
    await expect.poll(() => page.getByTestId('card-activity-calls').locator('.card-value').textContent()).toBe(count(allCost.totals.calls));

    // Per key: each API shape with its calls, most first. cy-ci made 4 Anthropic calls and 1 OpenAI one.
    const byKey = await analytics<{ data: Array<{ key_name: string | null; calls_by_dialect: Array<{ dialect: string; calls: number }> }> }>('/analytics/by_key?window=24h');
    expect(byKey.data.find((key) => key.key_name === 'cy-ci')!.calls_by_dialect).toEqual([
      { dialect: 'anthropic-messages', calls: 4 },
      { dialect: 'openai-chat', calls: 1 },
    ]);
    await page.getByRole('link', { name: 'Spend by identity' }).click();
    await page.getByRole('button', { name: 'Per key', exact: true }).click();
    const keys = page.getByTestId('keys');
    const shapes = (keyName: string) => keys.locator('tr', { has: page.getByRole('cell', { name: keyName, exact: true }) }).locator('td[data-label="API shapes"]');
    await expect.poll(() => shapes('cy-ci').textContent()).toBe('anthropic-messages 4 · openai-chat 1');
    expect(await shapes('bob-laptop').textContent()).toBe('openai-chat 6');
    expect(await shapes('test-key').textContent()).toBe('openai-chat 14');
    await shot(page, 'identity-keys');
    await context.close();
  });

  it('shows Top team / Top developer / Top key only above half the spend: not at or below it', async () => {
    // UTC, so the custom window's inputs mean the seeded hours.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, timezoneId: 'UTC' });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[dashboard page error]', error.message));
    await logIn(page, adminToken);
    await page.getByTestId('card-spend').waitFor();
    await page.getByRole('link', { name: 'Spend by identity' }).click();
    const showWindow = async (start: number) => {
      await page.getByRole('button', { name: 'Custom', exact: true }).click();
      await page.getByLabel('From', { exact: true }).fill(new Date(start).toISOString().slice(0, 16));
      await page.getByLabel('To', { exact: true }).fill(new Date(start + hourMs).toISOString().slice(0, 16));
      await page.getByRole('button', { name: 'Show', exact: true }).click();
    };
    const sections = [
      { testId: 'teams', report: 'by_team', title: 'Top team' },
      { testId: 'users', report: 'by_user', title: 'Top developer' },
      { testId: 'keys', report: 'by_key', title: 'Top key' },
    ] as const;
    const windowQuery = (start: number) => `from=${new Date(start).toISOString()}&to=${new Date(start + hourMs).toISOString()}`;

    // At half (teams, keys) and below it (users, 37.5%): the API has no top and the page no callout.
    await showWindow(topWindows.even.start);
    for (const [section, name] of [
      [sections[0], 'even-team-1'],
      [sections[1], 'even-ann'],
      [sections[2], 'even-key-1'],
    ] as const) {
      const answer = await analytics<{ top: unknown; data: Array<{ cost_usd: number }> }>(`/analytics/${section.report}?${windowQuery(topWindows.even.start)}`);
      expect(answer.top, section.report).toBeNull();
      expect(answer.data[0]!.cost_usd / answer.data.reduce((sum, row) => sum + row.cost_usd, 0), section.report).toBe(section.report === 'by_user' ? 0.375 : 0.5);
      const panel = page.getByTestId(section.testId);
      await panel.getByRole('cell', { name, exact: true }).waitFor();
      expect(await panel.getByTestId('top-callout').count(), section.title).toBe(0);
    }
    await shot(page, 'identity-top-at-half');

    // Just over half: each section names its top holder, with the share rounded down.
    await showWindow(topWindows.over.start);
    for (const [section, name] of [
      [sections[0], 'over-team-1'],
      [sections[1], 'over-dan'],
      [sections[2], 'over-key-1'],
    ] as const) {
      const answer = await analytics<{ top: { name: string; share: number } | null }>(`/analytics/${section.report}?${windowQuery(topWindows.over.start)}`);
      expect(answer.top, section.report).toEqual({ name, share: 1.015625 / 2.015625 });
      const callout = page.getByTestId(section.testId).getByTestId('top-callout');
      await expect.poll(() => callout.textContent()).toBe(`${section.title}: ${name} holds ${topShare(answer.top!.share)} of the window's spend.`);
    }
    expect(topShare(1.015625 / 2.015625)).toBe('50.3%');
    await shot(page, 'identity-top-over-half');
    await context.close();
  });

  it('issues, edits and revokes a key from Admin (the revoked key gets 401 on a model call), and sets a team', async () => {
    const { context, page } = await newPage(1280, 900);
    page.on('dialog', (dialog) => void dialog.accept());
    await logIn(page, adminToken);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Name', { exact: true }).fill('from-the-dashboard');
    await page.getByLabel('Team').first().fill('design');
    await page.getByRole('button', { name: 'Issue key' }).click();
    const token = (await page.getByTestId('issued-token').locator('code.token').textContent()) ?? '';
    expect(token).toMatch(/^sk-sluice-/);
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    // Edit: a rate limit and a budget, saved through PATCH /admin/keys/{id}.
    await page.locator('tr', { has: page.locator('[data-key-name="from-the-dashboard"]') }).getByRole('button', { name: 'Edit' }).click();
    const drawer = page.getByRole('dialog');
    await drawer.getByLabel('Requests / min').fill('7');
    await drawer.getByLabel('Budget period').selectOption('day');
    await drawer.getByLabel('Hard budget (USD)').fill('2.5');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'detached' });
    const edited = (await (await fetch(`${harness.url}/admin/keys`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { data: Array<{ name: string; limits: unknown }> };
    expect(edited.data.find((key) => key.name === 'from-the-dashboard')?.limits).toEqual({ requestsPerMinute: 7, budget: { period: 'day', hardUsd: 2.5 } });
    await page.getByRole('button', { name: 'Revoke from-the-dashboard' }).click();
    await expect.poll(() => page.getByTestId('keys-message').textContent()).toContain("Revoked 'from-the-dashboard'");
    await shot(page, 'admin');
    await expect(ask()).rejects.toMatchObject({ status: 401 });
    // Users and teams: a team's limits and allow-list.
    await page.getByRole('button', { name: 'Users & teams' }).click();
    await page.getByLabel('Name', { exact: true }).fill('design');
    await page.getByLabel('Allowed models (comma-separated; empty: any)').fill('gpt-4o-mini, anthropic:*');
    await page.getByLabel('Concurrent').fill('3');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'gpt-4o-mini, anthropic:*' }).waitFor();
    const design = (await harness.gateway.services.store.listPrincipals('team')).find((team) => team.name === 'design');
    expect(design).toMatchObject({ limits: { concurrentRequests: 3 }, allowedModels: ['gpt-4o-mini', 'anthropic:*'] });
    await page.getByRole('button', { name: 'Provider keys' }).click();
    await page.getByRole('cell', { name: 'from the config file' }).first().waitFor();
    await shot(page, 'admin-provider-keys');
    await context.close();
  });

  it('gives an analytics key no Admin view and 403 from /admin/*, on a phone-sized screen', async () => {
    const { context, page } = await newPage(390, 844);
    await logIn(page, analyticsToken);
    await page.getByTestId('card-spend').waitFor();
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    const status = await page.evaluate(async () => (await fetch('/admin/keys')).status);
    expect(status).toBe(403);
    await page.locator('.chart canvas').first().waitFor();
    await shot(page, 'phone-cost');
    await page.getByRole('link', { name: 'Spend by identity' }).click();
    await page.getByTestId('teams').getByRole('cell', { name: 'research', exact: true }).waitFor();
    await shot(page, 'phone-identity');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByTestId('cached-badge').first().waitFor();
    await shot(page, 'phone-requests');
    await context.close();
  });

  it('logging out ends the session: the old cookie no longer reads /analytics/cost', async () => {
    const { context, page } = await newPage(1280, 800);
    await logIn(page, analyticsToken);
    await page.getByTestId('card-spend').waitFor();
    const cookie = (await context.cookies()).find((entry) => entry.name === 'sluice_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const withCookie = () => fetch(`${harness.url}/analytics/cost?window=24h`, { headers: { cookie: `sluice_session=${cookie!.value}` } });
    expect((await withCookie()).status).toBe(200);
    // HttpOnly: the page's own script cannot read the session.
    expect(await page.evaluate('document.cookie')).toBe('');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Gateway key').waitFor();
    expect((await withCookie()).status).toBe(401);
    await context.close();
  });

  it('Routing shows each group with its targets, rates, cooldowns and calls per target; Activity splits overhead from upstream', async () => {
    const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: 'coder', messages: [{ role: 'user', content: 'route me' }], max_tokens: 64 }).withResponse();
    // Three calls the first target serves, then one it fails twice (a retry) before the second serves it.
    for (let index = 0; index < 3; index++) await ask();
    harness.upstream.enqueue({ status: 503 });
    harness.upstream.enqueue({ status: 503 });
    expect((await ask()).response.headers.get('x-sluice-route')).toBe('openai:coder-a=503;openai:coder-a=503;anthropic:coder-b=200');
    await harness.gateway.services.usageWriter.flush();
    const routing = await analytics<{ groups: Array<{ group: string; fallback_rate: number; targets: Array<{ target: string; share: number; cost_per_call: number }> }> }>('/analytics/routing?window=24h');
    const coder = routing.groups.find((group) => group.group === 'coder')!;
    expect(coder.fallback_rate).toBe(0.25);

    const { context, page } = await newPage(1280, 1000);
    await logIn(page, adminToken);
    await page.getByTestId('card-spend').waitFor();
    await page.getByRole('link', { name: 'Routing' }).click();
    const panel = page.getByTestId('routing-group-coder');
    await expect.poll(() => panel.getByTestId('card-fallback-rate').locator('.card-value').textContent()).toBe(percent(0.25));
    for (const target of coder.targets) {
      const row = panel.getByRole('row').filter({ has: page.getByRole('cell', { name: target.target, exact: true }) });
      await expect.poll(() => row.count()).toBe(1);
      expect(await row.getByRole('cell', { name: percent(target.share), exact: true }).count()).toBeGreaterThan(0);
      // The admin key reads the target health: every configured target has a cooldown state.
      expect(await row.getByRole('cell', { name: /^(available|cooling|half-open)$/ }).count()).toBe(1);
    }
    expect(coder.targets.map((target) => target.target)).toEqual(['openai:coder-a', 'anthropic:coder-b']);
    await panel.locator('.chart canvas').first().waitFor();
    await shot(page, 'routing');

    await page.getByRole('link', { name: 'Activity' }).click();
    await expect.poll(() => page.getByTestId('card-overhead').locator('.card-value').textContent()).toMatch(/^\d+ ms$/);
    expect(await page.getByTestId('card-throughput').locator('.card-value').textContent()).toMatch(/tok\/s$/);
    expect(await page.getByRole('columnheader', { name: 'Overhead p50 / p95' }).count()).toBe(1);
    await shot(page, 'activity-overhead');
    await context.close();
  });
});
