import { describe, expect, it } from 'vitest';
import type { RunCall } from '../../src/domain/eval-outcome.js';
import type { PricedTarget } from '../../src/outcomes/candidate-targets.js';
import { estimateReplayCost } from '../../src/outcomes/replay-cost-estimate.js';
import { replayRequestOf } from '../../src/outcomes/replay-request.js';
import { selectCaptures } from '../../src/outcomes/replay-selection.js';
import { memoryCaptureSource, testCapture } from '../helpers/memory-capture-source.js';

const labels = { against: 'coder-cheap', credential: 'sk-sluice-replaykey', run: 'replay-01abc', trial: '01ORIGINAL' };

describe('replayRequestOf', () => {
  it('sends the body with the model replaced, the captured headers without credentials, the replay key and labels', () => {
    const capture = testCapture('01ORIGINAL', {
      requestHeaders: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer sk-sluice-original',
        'x-api-key': 'sk-sluice-original',
        'x-sluice-token': 'sk-sluice-original',
        cookie: 'session=1',
        host: 'gateway.internal',
        'content-length': '99',
        'x-sluice-user': 'ada',
        'x-sluice-tags': 'ci, run:nightly,trial:t1,team-a',
        'x-sluice-cache': 'true',
        'x-sluice-run': 'nightly',
        'user-agent': 'OpenAI/JS 5.23.2',
      },
      requestBody: JSON.stringify({ model: 'mini', temperature: 0.2, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const request = replayRequestOf(capture, labels);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request.headers).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer sk-sluice-replaykey',
      'x-sluice-user': 'ada',
      'x-sluice-tags': 'ci,team-a',
      'user-agent': 'OpenAI/JS 5.23.2',
      'x-sluice-run': 'replay-01abc',
      'x-sluice-trial': '01ORIGINAL',
    });
    expect(JSON.parse(request.body)).toEqual({ model: 'coder-cheap', temperature: 0.2, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  });

  it('names the model in a body that had none (a default model served it), and puts the key where each shape does', () => {
    const messages = replayRequestOf(testCapture('01M', { inboundDialect: 'anthropic-messages', path: '/v1/messages', requestBody: '{"max_tokens":8,"messages":[]}' }), labels);
    expect(JSON.parse(messages.body)).toEqual({ max_tokens: 8, messages: [], model: 'coder-cheap' });
    expect(messages.headers['x-api-key']).toBe('sk-sluice-replaykey');
    expect(messages.headers.authorization).toBeUndefined();
    const responses = replayRequestOf(testCapture('01R', { inboundDialect: 'openai-responses', path: '/v1/responses', requestBody: '{"model":"mini","input":"x"}' }), labels);
    expect(responses.headers.authorization).toBe('Bearer sk-sluice-replaykey');
  });

  it('Gemini: the model is replaced in the path, the query kept but for a `key`, the body untouched', () => {
    const body = '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}';
    const capture = testCapture('01G', { inboundDialect: 'gemini', path: '/gemini/v1beta/models/openai:gpt-4o:streamGenerateContent?alt=sse&key=AIza-secret', requestBody: body });
    const request = replayRequestOf(capture, { ...labels, against: 'team/coder cheap' });
    expect(request.path).toBe('/gemini/v1beta/models/team/coder%20cheap:streamGenerateContent?alt=sse');
    expect(request.body).toBe(body);
    expect(request.headers['x-goog-api-key']).toBe('sk-sluice-replaykey');
    expect(() => replayRequestOf(testCapture('01G2', { inboundDialect: 'gemini', path: '/v1beta/models', requestBody: body }), labels)).toThrow(/names no model/);
  });

  it('refuses a body that is not a JSON object', () => {
    expect(() => replayRequestOf(testCapture('01X', { requestBody: '[1,2]' }), labels)).toThrow(/not a JSON object/);
  });
});

describe('selectCaptures', () => {
  const base = 1_800_000_000_000;
  const captures = [
    testCapture('01A', { createdAt: base + 1 }),
    testCapture('01B', { createdAt: base + 2, requestTruncated: true }),
    testCapture('01C', { createdAt: base + 3, status: 429 }),
    testCapture('01D', { createdAt: base + 4, path: '/v1/embeddings' }),
    testCapture('01E', { createdAt: base + 5, path: '/v1/messages/count_tokens', inboundDialect: 'anthropic-messages' }),
    ...Array.from({ length: 450 }, (_, index) => testCapture(`01F${String(index).padStart(4, '0')}`, { createdAt: base + 10 + Math.floor(index / 3), teamName: index % 2 === 0 ? 'research' : 'platform' })),
  ];

  it('takes the first replayable captures, oldest first, over pages, and counts what it passed over', async () => {
    const source = memoryCaptureSource(captures);
    const selection = await selectCaptures(source, {}, 300);
    expect(selection.captures).toHaveLength(300);
    expect(selection.captures[0]!.requestId).toBe('01A');
    expect(selection.captures[1]!.requestId).toBe('01F0000');
    expect(selection.skipped).toEqual({ request_truncated: 1, original_failed: 1, not_generation: 2 });
    expect(source.pages).toBe(2);
    const ids = selection.captures.map((capture) => capture.requestId);
    expect(new Set(ids).size).toBe(300);
  });

  it('passes the filter to the source, and with `only` reads back just the chosen ids', async () => {
    const platform = await selectCaptures(memoryCaptureSource(captures), { teamName: 'platform' }, 1_000);
    expect(platform.captures).toHaveLength(225);
    const chosen = new Set(['01F0449', '01A', '01F0007']);
    const again = await selectCaptures(memoryCaptureSource(captures), {}, chosen.size, chosen);
    expect(again.captures.map((capture) => capture.requestId)).toEqual(['01A', '01F0007', '01F0449']);
  });
});

describe('estimateReplayCost', () => {
  const perMillion = (input: number, output: number) => (usage: { inputTokens: number; outputTokens: number }) => (usage.inputTokens * input + usage.outputTokens * output) / 1e6;
  const targets: PricedTarget[] = [
    { id: 'cheap:a', price: perMillion(1, 2) },
    { id: 'dear:b', price: perMillion(10, 20) },
    { id: 'unknown:c', price: () => null },
  ];

  it("prices each trial at the dearest target, from its original's token counts, else from its text", () => {
    const original = { inputTokens: 1_000, outputTokens: 500 } as RunCall;
    const withRow = testCapture('01ROW');
    const withoutRow = testCapture('01TEXT', {
      requestBody: JSON.stringify({ model: 'mini', messages: [{ role: 'user', content: 'x'.repeat(400) }] }),
      answer: JSON.stringify({ id: 'c', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'y'.repeat(80) }, finish_reason: 'stop' }] }),
    });
    const estimate = estimateReplayCost([withRow, withoutRow], new Map([['01ROW', original]]), targets);
    expect(estimate).toMatchObject({ trials: 2, unpricedTrials: 0, fromUsageRows: 1, dearestTarget: 'dear:b' });
    // 1,000 in and 500 out at 10/20 per million; then 400 characters of prompt (100 tokens) and 80 of answer (20).
    expect(estimate.costUsd).toBeCloseTo((1_000 * 10 + 500 * 20) / 1e6 + (100 * 10 + 20 * 20) / 1e6, 12);
  });

  it('counts trials no target has a price for apart, at no cost', () => {
    const estimate = estimateReplayCost([testCapture('01A')], new Map(), [targets[2]!]);
    expect(estimate).toMatchObject({ trials: 1, costUsd: 0, unpricedTrials: 1, dearestTarget: null });
  });
});
