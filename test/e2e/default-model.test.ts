import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * A key or team may name a default model or group: a request without `model` goes there, as if it had named
 * it (issue 9, section 2). Without one it stays a 400 naming `model`. Driven with the official SDKs, which
 * send whatever body they are given: the casts below leave `model` out on purpose.
 */
let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway({
    groups: {
      // First target Anthropic: an OpenAI caller's body is translated for it.
      fast: { policy: 'failover', targets: [{ model: 'anthropic:claude-haiku-4-5' }, { model: 'openai:gpt-4o-mini' }] },
    },
  });
  const { store } = harness.gateway.services;
  await store.setPrincipal('team', { name: 'defaults-to-haiku', limits: {}, allowedModels: null, defaultModel: 'haiku' });
  await store.setPrincipal('team', { name: 'no-default', limits: {}, allowedModels: null });
  await harness.gateway.services.principals.reload();
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const messages = [{ role: 'user' as const, content: 'hi' }];
const openai = (token: string) => new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
const anthropic = (token: string) => new Anthropic({ apiKey: token, baseURL: harness.url, maxRetries: 0 });
/** A chat request that names no model. */
const chatWithoutModel = { messages } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
const modelSentUpstream = (index = 0) => (harness.upstream.requests[index]?.body as { model?: unknown } | undefined)?.model;

describe('a request without model goes to the default', () => {
  it("a key's default group serves a chat call (translated for the group's first target)", async () => {
    const client = openai(await harness.issueKey({ name: 'key-default-group', defaultModel: 'fast' }));
    const { data, response } = await client.chat.completions.create(chatWithoutModel).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-sluice-group')).toBe('fast');
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    expect(harness.upstream.requests[0]?.path).toBe('/v1/messages');
    expect(modelSentUpstream()).toBe('claude-haiku-4-5');
    expect((await harness.usageRows()).at(-1)).toMatchObject({ requestedModel: 'fast', groupName: 'fast', statusCode: 200 });
  });

  it('a pass-through call sends the default model upstream, though the caller text had none', async () => {
    // The default names the upstream model exactly: no other edit, so this is the path that would otherwise
    // forward the caller's raw text as it came.
    const client = openai(await harness.issueKey({ name: 'key-default-plain', defaultModel: 'gpt-4o-mini' }));
    const answer = await client.chat.completions.create(chatWithoutModel);
    expect(answer.model).toContain('gpt-4o-mini');
    expect(harness.upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(modelSentUpstream()).toBe('gpt-4o-mini');

    const responses = await client.responses.create({ input: 'hi' } as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    expect(responses.output_text).toBeTruthy();
    expect(harness.upstream.requests[1]?.path).toBe('/v1/responses');
    expect(modelSentUpstream(1)).toBe('gpt-4o-mini');
  });

  it('a streamed Messages call without model uses the default too', async () => {
    const client = anthropic(await harness.issueKey({ name: 'key-default-stream', defaultModel: 'claude-haiku-4-5' }));
    const stream = client.messages.stream({ max_tokens: 32, messages } as unknown as Anthropic.MessageStreamParams);
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(modelSentUpstream()).toBe('claude-haiku-4-5');
  });

  it("the team's default applies when the key has none, and the key's own wins over it", async () => {
    const teamOnly = anthropic(await harness.issueKey({ name: 'team-default', teamName: 'defaults-to-haiku' }));
    const { response } = await teamOnly.messages.create({ max_tokens: 32, messages } as unknown as Anthropic.MessageCreateParamsNonStreaming).withResponse();
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    expect(modelSentUpstream()).toBe('claude-haiku-4-5');
    expect((await harness.usageRows()).at(-1)).toMatchObject({ requestedModel: 'haiku', upstreamModel: 'claude-haiku-4-5' });

    const ownDefault = openai(await harness.issueKey({ name: 'own-beats-team', teamName: 'defaults-to-haiku', defaultModel: 'mini' }));
    await ownDefault.chat.completions.create(chatWithoutModel);
    expect(modelSentUpstream(1)).toBe('gpt-4o-mini');
  });

  it('a request that names a model keeps it', async () => {
    const client = openai(await harness.issueKey({ name: 'named-wins', defaultModel: 'fast' }));
    const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    expect(response.headers.get('x-sluice-group')).toBeNull();
    expect(modelSentUpstream()).toBe('gpt-4o-mini');
  });

  it('count_tokens without model counts for the default', async () => {
    const client = anthropic(await harness.issueKey({ name: 'count-default', defaultModel: 'haiku' }));
    const counted = await client.messages.countTokens({ messages } as unknown as Anthropic.MessageCountTokensParams);
    expect(counted.input_tokens).toBeGreaterThan(0);
    const request = harness.upstream.requests.find((recorded) => recorded.path.endsWith('/count_tokens'));
    expect((request?.body as { model?: unknown }).model).toBe('claude-haiku-4-5');
  });
});

describe('without a default', () => {
  it('stays a 400 naming model, in each shape, with no upstream call', async () => {
    const token = await harness.issueKey({ name: 'no-default-key', teamName: 'no-default' });
    const chatError = await openai(token).chat.completions.create(chatWithoutModel).catch((error: unknown) => error);
    expect(chatError).toBeInstanceOf(OpenAI.BadRequestError);
    expect(chatError).toMatchObject({ status: 400, param: 'model' });
    const messagesError = await anthropic(token)
      .messages.create({ max_tokens: 32, messages } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((error: unknown) => error);
    expect(messagesError).toBeInstanceOf(Anthropic.BadRequestError);
    expect((messagesError as InstanceType<typeof Anthropic.BadRequestError>).message).toContain("'model'");
    const countError = await anthropic(token).messages.countTokens({ messages } as unknown as Anthropic.MessageCountTokensParams).catch((error: unknown) => error);
    expect(countError).toMatchObject({ status: 400 });
    expect(harness.upstream.requests).toHaveLength(0);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 400, errorCode: 'invalid_request', requestedModel: null });
  });
});

describe('set through the admin API', () => {
  const admin = async (method: string, path: string, body: unknown) => {
    const adminToken = await adminKey();
    return fetch(`${harness.url}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify(body) });
  };
  let adminToken: string | undefined;
  const adminKey = async () => (adminToken ??= await harness.issueKey({ name: 'defaults-admin', role: 'admin' }));

  it('issues, changes and clears a key default, and sets a team default', async () => {
    const issued = await admin('POST', '/admin/keys', { name: 'api-default', defaultModel: 'fast' });
    expect(issued.status).toBe(201);
    const { token, key } = (await issued.json()) as { token: string; key: { defaultModel: string | null } };
    expect(key.defaultModel).toBe('fast');
    expect((await openai(token).chat.completions.create(chatWithoutModel).withResponse()).response.headers.get('x-sluice-group')).toBe('fast');

    const changed = await admin('PATCH', '/admin/keys/api-default', { defaultModel: 'mini' });
    expect(await changed.json()).toMatchObject({ defaultModel: 'mini' });
    await openai(token).chat.completions.create(chatWithoutModel);
    expect(modelSentUpstream(1)).toBe('gpt-4o-mini');

    expect(await (await admin('PATCH', '/admin/keys/api-default', { defaultModel: null })).json()).toMatchObject({ defaultModel: null });
    await expect(openai(token).chat.completions.create(chatWithoutModel)).rejects.toMatchObject({ status: 400, param: 'model' });

    const team = await admin('PUT', '/admin/teams/api-team', { defaultModel: 'haiku' });
    expect(await team.json()).toMatchObject({ name: 'api-team', defaultModel: 'haiku' });
    const member = await harness.issueKey({ name: 'api-team-member', teamName: 'api-team' });
    await anthropic(member).messages.create({ max_tokens: 32, messages } as unknown as Anthropic.MessageCreateParamsNonStreaming);
    expect(modelSentUpstream(2)).toBe('claude-haiku-4-5');
  });

  it('refuses a default model on a user, naming the field', async () => {
    const refused = await admin('PUT', '/admin/users/grace', { defaultModel: 'fast' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("Unknown field 'defaultModel'");
  });
});
