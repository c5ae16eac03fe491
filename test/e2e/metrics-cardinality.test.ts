import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePrometheusText } from '../helpers/prometheus-text.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Unbounded labels leak memory: 10,000 calls with made-up model names (in every shape, some of them
 * reaching a real provider under its prefix), and requests to made-up paths, through the real server. The
 * number of Sluice series after 2,000 of them is the number after all 10,000: it depends on the fixed label
 * sets, not on what callers send.
 */
let harness: TestGateway;
let pool: Pool;
let metricsToken: string;
let token: string;

beforeAll(async () => {
  harness = await startTestGateway();
  // No request-rate cap (a key's default is 100 a minute): every request must reach the stage it tests.
  token = await harness.issueKey({ name: 'load', limits: { requestsPerMinute: 0 } });
  metricsToken = await harness.issueKey({ name: 'prometheus', role: 'metrics' });
  pool = new Pool(harness.url, { connections: 32, pipelining: 4 });
});
afterAll(async () => {
  await pool.close();
  await harness.close();
});

/** Every made-up name carries this marker, so the exposition can be searched for any of them. */
const marker = 'zqx';
const madeUp = () => `${marker}-${randomBytes(6).toString('hex')}`;

function requestNumber(index: number): { method: 'POST' | 'GET'; path: string; body?: string; headers: Record<string, string> } {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' };
  const messages = [{ role: 'user', content: 'hi' }];
  switch (index % 10) {
    case 0:
    case 1:
    case 2:
      return { method: 'POST', path: '/v1/chat/completions', body: JSON.stringify({ model: madeUp(), messages }), headers };
    case 3:
      return { method: 'POST', path: '/v1/messages', body: JSON.stringify({ model: madeUp(), max_tokens: 16, messages }), headers };
    case 4:
      return { method: 'POST', path: '/v1/responses', body: JSON.stringify({ model: madeUp(), input: 'hi' }), headers };
    case 5:
      return { method: 'POST', path: `/v1beta/models/${madeUp()}:generateContent`, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }), headers };
    case 6:
      return { method: 'GET', path: `/${madeUp()}/${madeUp()}`, headers };
    case 7:
      return { method: 'POST', path: `/v1/${madeUp()}`, body: '{}', headers };
    case 8:
      // A provider-qualified name reaches the provider: its model label must still be `other`.
      return { method: 'POST', path: '/v1/chat/completions', body: JSON.stringify({ model: `openai:${madeUp()}`, messages }), headers };
    default:
      return { method: 'POST', path: '/v1/messages', body: JSON.stringify({ model: `anthropic:${madeUp()}`, max_tokens: 16, messages }), headers };
  }
}

async function send(from: number, to: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = from;
  const worker = async () => {
    while (next < to) {
      const { method, path, body, headers } = requestNumber(next++);
      const response = await pool.request({ method, path, body, headers });
      await response.body.dump();
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return statuses;
}

async function sluiceSeries(): Promise<{ count: number; text: string }> {
  const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const text = await response.text();
  return { count: parsePrometheusText(text).filter((sample) => sample.name.startsWith('sluice_')).length, text };
}

it('10,000 requests with made-up model names and paths leave the number of series where 2,000 left it', async () => {
  const before = await sluiceSeries();
  const first = await send(0, 2_000);
  const afterFirst = await sluiceSeries();
  const rest = await send(2_000, 10_000);
  const afterAll = await sluiceSeries();

  // The traffic did what it should: made-up names refused (404), qualified ones served by the provider.
  expect(first.get(404)).toBe(1_600);
  expect(first.get(200)).toBe(400);
  expect(rest.get(404)).toBe(6_400);
  expect(rest.get(200)).toBe(1_600);
  expect(afterFirst.count).toBeGreaterThan(before.count);
  expect(afterAll.count).toBe(afterFirst.count);
  expect(afterAll.text).not.toContain(marker);
  const requestSeries = parsePrometheusText(afterAll.text).filter((sample) => sample.name === 'sluice_requests_total');
  expect(requestSeries.map((sample) => `${sample.labels.provider}/${sample.labels.model}/${sample.labels.dialect}/${sample.labels.status_class}`).sort()).toEqual([
    'anthropic/other/anthropic-messages/2xx',
    'none/other/anthropic-messages/4xx',
    'none/other/gemini/4xx',
    'none/other/openai-chat/4xx',
    'none/other/openai-responses/4xx',
    'openai/other/openai-chat/2xx',
  ]);
  expect(requestSeries.reduce((total, sample) => total + sample.value, 0)).toBe(8_000);

  // The health windows are keyed by the same bounded labels.
  const health = await fetch(`${harness.url}/admin/health/targets`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const report = (await health.json()) as { targets: Array<{ target: string; attempts: number }> };
  expect(report.targets.map((target) => target.target)).toEqual(['anthropic:other', 'openai:other']);
}, 60_000);
