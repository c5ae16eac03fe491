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
});
