import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { eligibleTargets, noEligibleTargetError } from '../../src/routing/eligible-targets.js';
import { resolveRoute } from '../../src/routing/resolve-route.js';
import type { RoutingNeeds } from '../../src/routing/routing-needs.js';
import { needsOf, routingWorld } from '../helpers/routing-fixtures.js';

const world = routingWorld({
  providers: { local: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-text'], images: false } },
  groups: {
    coder: {
      targets: [
        { model: 'anthropic:claude-sonnet-4-5', maxOutputTokens: 64000 },
        { model: 'openai:gpt-4.1', images: false },
        { model: 'llama-text', tools: false, reasoning: false, contextWindow: 8000 },
      ],
    },
    thinkers: { targets: [{ model: 'openai:gpt-4o-mini', reasoning: false }, { model: 'anthropic:claude-haiku-4-5' }] },
    plain: { targets: [{ model: 'openai:gpt-4o-mini', reasoning: false }, { model: 'llama-text', reasoning: false }] },
  },
});
const route = (name: string) => resolveRoute(name, world);
const ids = (targets: ReadonlyArray<{ id: string }>) => targets.map((target) => target.id);
const nothing: RoutingNeeds = {
  tools: false,
  images: false,
  reasoning: false,
  maxOutputTokens: undefined,
  maxOutputTokensField: 'max_tokens',
  estimatedInputTokens: undefined,
  requiredShape: undefined,
};

const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
const tool = { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } };

describe('what a request needs', () => {
  it('reads tools, images, reasoning and the output cap of each shape', () => {
    expect(needsOf('openai-chat', { model: 'coder', messages: [{ role: 'user', content: 'hi' }] })).toEqual({ ...nothing, estimatedInputTokens: 1_000 });
    expect(
      needsOf('openai-chat', { model: 'coder', max_completion_tokens: 900, tools: [tool], reasoning_effort: 'high', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, image] }] }),
    ).toMatchObject({ tools: true, images: true, reasoning: true, maxOutputTokens: 900, maxOutputTokensField: 'max_completion_tokens' });
    expect(needsOf('anthropic-messages', { model: 'coder', max_tokens: 70000, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({
      reasoning: true,
      maxOutputTokens: 70000,
      maxOutputTokensField: 'max_tokens',
    });
    expect(needsOf('openai-responses', { model: 'coder', input: 'hi', max_output_tokens: 10 })).toMatchObject({ maxOutputTokens: 10, maxOutputTokensField: 'max_output_tokens' });
    expect(needsOf('gemini', { contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }], generationConfig: { maxOutputTokens: 5 } })).toMatchObject({
      images: true,
      maxOutputTokens: 5,
      maxOutputTokensField: 'generationConfig.maxOutputTokens',
    });
    // Tool calls earlier in the conversation need a target with tools too.
    const history = [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
    ];
    expect(needsOf('openai-chat', { model: 'coder', messages: history }).tools).toBe(true);
  });

  it('needs the caller’s own shape for a field only that shape can carry, reading the rest off the raw body', () => {
    const needs = needsOf('openai-responses', {
      model: 'coder',
      previous_response_id: 'resp_1',
      tools: [{ type: 'function', name: 'lookup', parameters: {} }],
      input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }],
      reasoning: { effort: 'low' },
    });
    expect(needs).toMatchObject({ requiredShape: { dialect: 'openai-responses', field: 'previous_response_id' }, tools: true, images: true, reasoning: true });
    const forced = needsOf('openai-responses', { model: 'coder', input: 'hi', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } });
    expect(forced.requiredShape).toEqual({ dialect: 'openai-responses', field: 'tool_choice' });
    expect(forced.images).toBe(false);
  });
});

describe('eligibility', () => {
  it('keeps every target for a request that needs nothing special, in order', () => {
    expect(eligibleTargets(route('coder').candidates, nothing)).toEqual({ eligible: [...route('coder').candidates], excluded: [], dropReasoning: false });
  });

  it('excludes each target with a reason a person can read', () => {
    const { candidates } = route('coder');
    const check = (needs: Partial<RoutingNeeds>) => {
      const result = eligibleTargets(candidates, { ...nothing, ...needs });
      return { eligible: ids(result.eligible), excluded: result.excluded.map((exclusion) => [exclusion.target.id, exclusion.reason, exclusion.param]) };
    };
    expect(check({ images: true })).toEqual({
      eligible: ['anthropic:claude-sonnet-4-5'],
      excluded: [
        ['openai:gpt-4.1', 'takes text only, and the request has images', 'messages'],
        ['local:llama-text', 'takes text only, and the request has images', 'messages'],
      ],
    });
    expect(check({ tools: true }).excluded).toEqual([['local:llama-text', 'takes no tools, and the request uses tools', 'tools']]);
    expect(check({ maxOutputTokens: 64001, maxOutputTokensField: 'max_tokens' }).excluded).toEqual([
      ['anthropic:claude-sonnet-4-5', 'allows at most 64000 output tokens, and max_tokens is 64001', 'max_tokens'],
    ]);
    expect(check({ maxOutputTokens: 64000 }).excluded).toEqual([]);
    expect(check({ estimatedInputTokens: 9000 }).excluded).toEqual([['local:llama-text', 'has a context window of 8000 tokens, and the prompt is about 9000', 'messages']]);
    expect(check({ requiredShape: { dialect: 'openai-responses', field: 'previous_response_id' } })).toEqual({
      eligible: ['openai:gpt-4.1'],
      excluded: [
        ['anthropic:claude-sonnet-4-5', "does not speak openai-responses, which 'previous_response_id' needs", 'previous_response_id'],
        ['local:llama-text', "does not speak openai-responses, which 'previous_response_id' needs", 'previous_response_id'],
      ],
    });
  });

  it('prefers targets that can reason, and drops reasoning only when none can', () => {
    const thinkers = eligibleTargets(route('thinkers').candidates, { ...nothing, reasoning: true });
    expect(ids(thinkers.eligible)).toEqual(['anthropic:claude-haiku-4-5']);
    expect(thinkers.excluded.map((exclusion) => [exclusion.target.id, exclusion.reason])).toEqual([['openai:gpt-4o-mini', 'cannot reason, and the request asks for reasoning']]);
    expect(thinkers.dropReasoning).toBe(false);
    const plain = eligibleTargets(route('plain').candidates, { ...nothing, reasoning: true });
    expect(ids(plain.eligible)).toEqual(['openai:gpt-4o-mini', 'local:llama-text']);
    expect(plain).toMatchObject({ excluded: [], dropReasoning: true });
  });

  it('answers a request no target can serve with a 400 that names every target and why', () => {
    const coder = route('coder');
    const { excluded } = eligibleTargets(coder.candidates, { ...nothing, images: true, maxOutputTokens: 100_000 });
    const error = noEligibleTargetError(coder, excluded);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'no_eligible_target', status: 400, retryable: false, param: 'model' });
    expect(error.message).toBe(
      "No target of group 'coder' can serve this request: anthropic:claude-sonnet-4-5 allows at most 64000 output tokens, and max_tokens is 100000; " +
        'openai:gpt-4.1 takes text only, and the request has images; local:llama-text takes text only, and the request has images.',
    );
    // Every exclusion for the same field: the error names that field.
    const sameField = noEligibleTargetError(coder, excluded.filter((exclusion) => exclusion.param === 'messages'));
    expect(sameField.param).toBe('messages');
  });

  it('keeps the error a plain model always had: invalid_request naming the field', () => {
    const plain = route('llama-text');
    const { excluded } = eligibleTargets(plain.candidates, { ...nothing, images: true });
    expect(noEligibleTargetError(plain, excluded)).toMatchObject({
      code: 'invalid_request',
      status: 400,
      param: 'messages',
      message: "The model 'llama-text' takes text only, and the request has images.",
    });
  });
});
