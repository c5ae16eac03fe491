import { describe, expect, it } from 'vitest';
import { parseAnthropicMessagesRequest } from '../../src/dialects/anthropic-messages/parse-request.js';
import { parseOpenAiChatRequest } from '../../src/dialects/openai-chat/parse-request.js';

describe('request bodies: the fields Sluice reads', () => {
  it.each([
    [{ model: 'm', messages: [] }, "Invalid field 'messages': must contain at least one message.", 'messages'],
    [{ model: 'm', messages: [{ role: 'user' }, { content: 'x' }] }, "Missing required field 'messages.1.role'.", 'messages.1.role'],
    [{ model: 'm', messages: [{ role: 3 }] }, "Invalid field 'messages.0.role': expected a string.", 'messages.0.role'],
    [{ model: 'm', messages: ['hello'] }, "Invalid field 'messages.0': expected an object.", 'messages.0'],
    [{ messages: [{ role: 'user' }] }, "Missing required field 'model'.", 'model'],
  ])('names the field that is wrong (%j)', (body, message, param) => {
    expect(() => parseOpenAiChatRequest(body)).toThrow(expect.objectContaining({ status: 400, message, param }));
    expect(() => parseAnthropicMessagesRequest({ max_tokens: 10, ...body })).toThrow(expect.objectContaining({ status: 400, message, param }));
  });

  it('reads model, stream and the requester from a valid body', () => {
    const body = { model: 'gpt-4o-mini', stream: true, user: 'grace', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] };
    expect(parseOpenAiChatRequest(body)).toEqual({ model: 'gpt-4o-mini', stream: true, bodyRequester: 'grace' });
  });

  // The common body is accepted by a hand check (no zod copy); these sit on its edges and must still be
  // refused with the field named, as zod names it.
  const message = [{ role: 'user', content: 'hi' }];
  it.each([
    [{ model: '', messages: message }, 'model'],
    [{ model: 'm', messages: 'hi' }, 'messages'],
    [{ model: 'm', messages: message, stream: 'yes' }, 'stream'],
    [{ model: 'm', messages: message, stream_options: [] }, 'stream_options'],
    [{ model: 'm', messages: message, stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage'],
    [{ model: 'm', messages: message, user: 5 }, 'user'],
  ])('refuses an OpenAI chat body the hand check passes on to zod (%j)', (body, param) => {
    expect(() => parseOpenAiChatRequest(body)).toThrow(expect.objectContaining({ status: 400, param }));
  });

  it.each([
    [{ model: 'm', messages: message, max_tokens: 1.5 }, 'max_tokens'],
    [{ model: 'm', messages: message, max_tokens: 0 }, 'max_tokens'],
    [{ model: 'm', messages: message, max_tokens: '10' }, 'max_tokens'],
    [{ model: 'm', messages: message }, 'max_tokens'],
    [{ model: 'm', messages: message, max_tokens: 10, metadata: { user_id: 5 } }, 'metadata.user_id'],
    [{ model: 'm', messages: message, max_tokens: 10, metadata: 'x' }, 'metadata'],
  ])('refuses an Anthropic body the hand check passes on to zod (%j)', (body, param) => {
    expect(() => parseAnthropicMessagesRequest(body)).toThrow(expect.objectContaining({ status: 400, param }));
  });

  it('accepts the nullish forms zod accepts', () => {
    const chat = { model: 'm', messages: message, stream: null, stream_options: null, user: null };
    expect(parseOpenAiChatRequest(chat)).toEqual({ model: 'm', stream: false, bodyRequester: undefined });
    expect(parseOpenAiChatRequest({ ...chat, stream: true, stream_options: { include_usage: null, extra: 1 } })).toEqual({ model: 'm', stream: true, bodyRequester: undefined });
    const messages = { model: 'm', messages: message, max_tokens: 5, stream: null, metadata: { user_id: 'ada' } };
    expect(parseAnthropicMessagesRequest(messages)).toEqual({ model: 'm', stream: false, bodyRequester: 'ada' });
    expect(parseAnthropicMessagesRequest({ ...messages, metadata: null })).toEqual({ model: 'm', stream: false, bodyRequester: undefined });
  });
});
