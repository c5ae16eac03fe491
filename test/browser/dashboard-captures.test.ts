import { existsSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureJson } from '../../src/capture/capture-json.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * The request drawer's "Captured content" (issue 22 §2) in a real Chromium against a real gateway: an admin
 * session sees a captured call's request and answer (whole, and streamed as events with the assembled text),
 * redacted as stored; an uncaptured call says so in one line; an analytics session never asks for captures.
 */
const chromiumPath = '/usr/bin/chromium';
const turnedOff = process.env.SLUICE_BROWSER_TESTS === 'off';
const haveChromium = !turnedOff && existsSync(chromiumPath);
if (!haveChromium) console.warn(`[dashboard captures browser test] skipping: ${turnedOff ? 'SLUICE_BROWSER_TESTS=off' : `${chromiumPath} is absent (apt-get install -y chromium)`}`);

let harness: TestGateway;
let browser: Browser;
let adminToken: string;
let analyticsToken: string;

const email = 'ada.lovelace@example.org';
// Markup in the prompt (the mock repeats it in the answer): it must show as text, never become elements.
const markup = '<b id="injected">bold</b><img src=x onerror="window.injected=1">';
/** The calls made once before the tests, with what the test must find in their drawers. */
interface Calls {
  whole: { id: string; sent: string; answer: string };
  chatStream: { id: string; text: string };
  messagesStream: { id: string; text: string };
  cut: { id: string };
  uncaptured: { id: string };
}
const calls = {} as Calls;

async function makeCalls(): Promise<void> {
  const wholeKey = await harness.issueKey({ name: 'captured-whole', capture: { sample: 1 } });
  const streamKey = await harness.issueKey({ name: 'captured-stream', capture: { sample: 1 } });
  const messagesKey = await harness.issueKey({ name: 'captured-messages', capture: { sample: 1 } });
  const smallKey = await harness.issueKey({ name: 'captured-small', capture: { sample: 1, maxBytes: 64 } });
  const quietKey = await harness.issueKey({ name: 'not-captured' });

  // Sent by hand, so the test holds the exact bytes sent and received.
  const sent = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `mail ${email} ${markup}` }], max_tokens: 64 });
  const whole = await fetch(`${harness.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${wholeKey}`, 'content-type': 'application/json', 'x-sluice-run': 'eval-7', 'x-sluice-trial': 't3' }, body: sent });
  expect(whole.status).toBe(200);
  calls.whole = { id: whole.headers.get('x-sluice-request-id')!, sent, answer: await whole.text() };

  const openai = new OpenAI({ apiKey: streamKey, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me' }], stream: true }).withResponse();
  let streamed = '';
  for await (const chunk of stream.data) streamed += chunk.choices[0]?.delta?.content ?? '';
  calls.chatStream = { id: stream.response.headers.get('x-sluice-request-id')!, text: streamed };

  const anthropic = new Anthropic({ apiKey: messagesKey, baseURL: harness.url, maxRetries: 0 });
  const messages = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'stream me too' }] });
  const final = await messages.finalMessage();
  calls.messagesStream = { id: (await messages.withResponse()).response.headers.get('x-sluice-request-id')!, text: final.content.map((block) => (block.type === 'text' ? block.text : '')).join('') };

  const cut = await new OpenAI({ apiKey: smallKey, baseURL: `${harness.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(300) }] }).withResponse();
  calls.cut = { id: cut.response.headers.get('x-sluice-request-id')! };

  const quiet = await new OpenAI({ apiKey: quietKey, baseURL: `${harness.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'not kept' }] }).withResponse();
  calls.uncaptured = { id: quiet.response.headers.get('x-sluice-request-id')! };
  await harness.gateway.services.usageWriter.flush();
}

/** The capture as the admin API answers it: what the drawer must show. */
async function captureOf(id: string): Promise<CaptureJson> {
  const answer = await fetch(`${harness.url}/admin/captures/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(answer.status).toBe(200);
  return (await answer.json()) as CaptureJson;
}

async function logIn(page: Page, key: string): Promise<void> {
  await page.goto(`${harness.url}/dashboard/`);
  await page.getByLabel('Gateway key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Requests' }).click();
}

/** Opens the drawer of the one row of `keyName`, checks it is the call `id`, and returns the drawer. */
async function openDrawer(page: Page, keyName: string, id: string) {
  await page.getByTestId('requests-view').locator('tbody tr', { hasText: keyName }).click();
  const drawer = page.getByRole('dialog', { name: 'Request' });
  await expect.poll(() => drawer.getByTestId('request-detail').locator('dd code').first().textContent()).toBe(id);
  return drawer;
}

const closeDrawer = (page: Page) => page.getByRole('dialog', { name: 'Request' }).getByRole('button', { name: 'Close' }).click();
const parsedText = async (locator: ReturnType<Page['locator']>) => JSON.parse((await locator.textContent()) ?? '') as unknown;

describe.skipIf(!haveChromium)('captured content in the request drawer, in Chromium', () => {
  beforeAll(async () => {
    harness = await startTestGateway();
    adminToken = await harness.issueKey({ name: 'ops-admin', role: 'admin' });
    analyticsToken = await harness.issueKey({ name: 'finance-reader', role: 'analytics' });
    await makeCalls();
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('an admin session sees what was sent and answered, redacted, as text; an uncaptured call is one quiet line', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await logIn(page, adminToken);
    const placeholder = '[REDACTED:email]';

    // A whole answer: both bodies pretty-printed, equal to what went over the wire with the e-mail replaced.
    let drawer = await openDrawer(page, 'captured-whole', calls.whole.id);
    const section = drawer.getByTestId('captured-content');
    const requestBody = section.getByTestId('capture-request-body');
    await requestBody.waitFor();
    const stored = await captureOf(calls.whole.id);
    expect(stored.redactions).toEqual({ email: 2 });
    expect(await parsedText(requestBody)).toEqual(JSON.parse(calls.whole.sent.replace(email, placeholder)));
    expect(await requestBody.textContent()).toContain(`"content": ${JSON.stringify(`mail ${placeholder} ${markup}`)}`);
    expect(await requestBody.textContent()).not.toContain(email);
    expect(await parsedText(section.getByTestId('capture-answer-body'))).toEqual(JSON.parse(calls.whole.answer.replaceAll(email, placeholder)));
    expect(await section.getByTestId('capture-redactions').textContent()).toBe('2 email redacted');
    expect(await section.textContent()).toContain('eval-7 · t3');
    expect(await section.getByTestId('capture-request-headers').textContent()).toContain('x-sluice-run');
    expect(await section.getByTestId('capture-request-headers').textContent()).not.toContain('authorization');
    expect(await section.getByTestId('capture-cut').count()).toBe(0);
    // The markup stayed text: no element was made of it, no handler ran.
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await section.locator('pre img, pre b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { injected?: number }).injected)).toBeUndefined();
    // As captured: the bytes themselves.
    await section.getByLabel('Show as captured (not pretty-printed)').check();
    expect(await requestBody.textContent()).toBe(calls.whole.sent.replace(email, placeholder));
    expect(await section.getByTestId('capture-answer-body').textContent()).toBe(stored.response.body);
    await closeDrawer(page);

    // A chat stream: the text put together equals what the SDK assembled; the events fold open, one per event.
    drawer = await openDrawer(page, 'captured-stream', calls.chatStream.id);
    const streamText = drawer.getByTestId('capture-answer-text');
    await streamText.waitFor();
    expect(calls.chatStream.text.length).toBeGreaterThan(0);
    expect(await streamText.textContent()).toBe(calls.chatStream.text);
    expect(await parsedText(drawer.getByTestId('capture-request-body'))).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream me' }], stream: true });
    const chatCapture = await captureOf(calls.chatStream.id);
    const dataLines = chatCapture.response.body.split('\n').filter((line) => line.startsWith('data: '));
    const events = drawer.getByTestId('capture-answer-events');
    expect(await events.locator('li').first().isVisible()).toBe(false);
    await events.locator('summary').click();
    expect(await events.locator('summary').textContent()).toBe(`${dataLines.length} events`);
    expect(await events.locator('li pre').allTextContents()).toEqual(dataLines.map((line) => (line === 'data: [DONE]' ? '[DONE]' : JSON.stringify(JSON.parse(line.slice(6)), null, 2))));
    expect(await drawer.getByTestId('capture-redactions').textContent()).toBe('Nothing redacted');
    await closeDrawer(page);

    // A Messages stream: named events, and the text the Anthropic SDK put together.
    drawer = await openDrawer(page, 'captured-messages', calls.messagesStream.id);
    await drawer.getByTestId('capture-answer-text').waitFor();
    expect(await drawer.getByTestId('capture-answer-text').textContent()).toBe(calls.messagesStream.text);
    await drawer.getByTestId('capture-answer-events').locator('summary').click();
    expect(await drawer.getByTestId('capture-answer-events').locator('li code').first().textContent()).toBe('message_start');
    await closeDrawer(page);

    // Cut at maxBytes: both sides say so, and the cut JSON shows as the text it is.
    drawer = await openDrawer(page, 'captured-small', calls.cut.id);
    const cutCapture = await captureOf(calls.cut.id);
    expect(cutCapture).toMatchObject({ request_truncated: true, answer_truncated: true });
    await expect.poll(() => drawer.getByTestId('capture-cut').count()).toBe(2);
    expect(await drawer.getByTestId('capture-request-body').textContent()).toBe(cutCapture.request.body);
    expect(await drawer.getByTestId('capture-answer-body').textContent()).toBe(cutCapture.response.body);
    await closeDrawer(page);

    // Not captured: one quiet line, nothing else.
    drawer = await openDrawer(page, 'not-captured', calls.uncaptured.id);
    await expect.poll(() => drawer.getByTestId('capture-none').textContent()).toBe('No content was captured for this call.');
    expect(await drawer.getByTestId('captured-content').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('an analytics session sees the request but no captured content, and never asks for it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    await logIn(page, analyticsToken);
    const drawer = await openDrawer(page, 'captured-whole', calls.whole.id);
    expect(await drawer.getByTestId('request-detail').textContent()).toContain('captured-whole');
    expect(await drawer.getByTestId('captured-content').count()).toBe(0);
    expect(await drawer.getByTestId('capture-none').count()).toBe(0);
    expect(asked).toContain(`/analytics/requests/${calls.whole.id}`);
    expect(asked.filter((path) => path.startsWith('/admin/'))).toEqual([]);
    await context.close();
  });
});
