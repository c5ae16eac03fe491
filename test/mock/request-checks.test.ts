import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';

/** The fake refuses what the real APIs refuse, and honours a requested JSON format in its answer. */

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => upstream.reset());

const anthropicHeaders = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' };

async function post(path: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${upstream.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const message = (extra: Record<string, unknown>) => ({ model: 'claude-haiku-4-5', max_tokens: 2048, messages: [{ role: 'user', content: 'hi' }], ...extra });
const anthropicError = (text: string | RegExp) => ({ type: 'error', error: { type: 'invalid_request_error', message: text instanceof RegExp ? expect.stringMatching(text) : text }, request_id: expect.any(String) });

describe('Anthropic extended thinking', () => {
  it('takes a budget of at least 1024 below max_tokens', async () => {
    expect((await post('/v1/messages', anthropicHeaders, message({ thinking: { type: 'enabled', budget_tokens: 1024 } }))).status).toBe(200);
  });

  it.each([
    ['a budget below 1024', { thinking: { type: 'enabled', budget_tokens: 1000 } }, 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
    ['a budget not below max_tokens', { thinking: { type: 'enabled', budget_tokens: 2048 } }, /^`max_tokens` must be greater than `thinking.budget_tokens`/],
    ['a temperature other than 1', { thinking: { type: 'enabled', budget_tokens: 1024 }, temperature: 0.5 }, /^`temperature` may only be set to 1 when thinking is enabled/],
    ['top_k', { thinking: { type: 'enabled', budget_tokens: 1024 }, top_k: 5 }, /^`top_k` cannot be set when thinking is enabled/],
    [
      'a forced tool',
      { thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'any' } },
      'Thinking may not be enabled when tool_choice forces tool use.',
    ],
  ])('refuses %s', async (_what, extra, text) => {
    expect(await post('/v1/messages', anthropicHeaders, message(extra))).toEqual({ status: 400, body: anthropicError(text) });
  });
});

describe('structured outputs', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name'], additionalProperties: false };

  it('Anthropic: answers JSON valid under output_config.format, and refuses a format that is not a JSON schema', async () => {
    const answer = await post('/v1/messages', anthropicHeaders, message({ output_config: { format: { type: 'json_schema', schema } } }));
    const content = (answer.body as { content: Array<{ text: string }> }).content;
    expect(JSON.parse(content[0]!.text)).toEqual({ name: 'mock', count: 1, tags: ['mock'] });
    expect(await post('/v1/messages', anthropicHeaders, message({ output_config: { format: { type: 'json_object' } } }))).toEqual({
      status: 400,
      body: anthropicError("output_config.format.type: Input should be 'json_schema'"),
    });
  });

  it('OpenAI Chat and Responses: JSON mode and json_schema', async () => {
    const chat = await post('/v1/chat/completions', { authorization: 'Bearer k' }, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
    expect(JSON.parse((chat.body as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content)).toEqual({ name: 'mock', count: 1, tags: ['mock'] });
    const jsonMode = await post('/v1/responses', { authorization: 'Bearer k' }, { model: 'gpt-5', input: 'hi', text: { format: { type: 'json_object' } } });
    const output = (jsonMode.body as { output: Array<{ content: Array<{ text: string }> }> }).output;
    expect(JSON.parse(output[0]!.content[0]!.text)).toEqual({ reply: expect.stringContaining('hi') });
  });

  it('Gemini: honours responseSchema with the JSON mime type, and refuses a schema without it', async () => {
    const path = '/v1beta/models/gemini-2.5-flash:generateContent';
    const headers = { 'x-goog-api-key': 'k' };
    const contents = [{ role: 'user', parts: [{ text: 'hi' }] }];
    const answer = await post(path, headers, { contents, generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' } } } } });
    const parts = (answer.body as { candidates: Array<{ content: { parts: Array<{ text: string }> } }> }).candidates[0]!.content.parts;
    expect(JSON.parse(parts[0]!.text)).toEqual({ ok: true });
    const refused = await post(path, headers, { contents, generationConfig: { responseJsonSchema: schema } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: { code: 400, message: expect.stringContaining('response_mime_type'), status: 'INVALID_ARGUMENT' } });
  });
});

describe('Gemini\'s OpenAI-compatible endpoint', () => {
  it('answers errors as a list of Gemini errors, as the real one does', async () => {
    upstream.enqueue({ status: 429, errorMessage: 'Resource has been exhausted' });
    const answer = await post('/v1beta/openai/chat/completions', { authorization: 'Bearer k' }, { model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer).toEqual({ status: 429, body: [{ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }] });
  });
});
