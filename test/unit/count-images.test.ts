import { describe, expect, it } from 'vitest';
import { dialects } from '../../src/dialects/dialects.js';

const pixel = 'iVBORw0KGgo=';

/** `image_count` comes from each shape's own body, as it goes upstream. */
describe('counting images in a request body', () => {
  it('OpenAI chat: image_url parts, none in string contents', () => {
    const body = {
      messages: [
        { role: 'system', content: 'plain' },
        { role: 'user', content: [{ type: 'text', text: 'two' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }, { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'text only' },
      ],
    };
    expect(dialects['openai-chat'].countImages(body)).toBe(2);
    expect(dialects['openai-chat'].countImages({ messages: [{ role: 'user', content: 'hi' }] })).toBe(0);
  });

  it('Anthropic: image blocks, in tool results too', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } };
    const body = {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'look' }, image] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [image, { type: 'text', text: 'and' }, image] }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: 'text' }] },
      ],
    };
    expect(dialects['anthropic-messages'].countImages(body)).toBe(3);
  });

  it('Responses: input_image parts of messages and of function call outputs; a string input has none', () => {
    const body = {
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'this' }, { type: 'input_image', image_url: `data:image/png;base64,${pixel}` }] },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_image', image_url: 'https://example.com/b.png' }] },
        { type: 'function_call_output', call_id: 'call_2', output: 'text' },
      ],
    };
    expect(dialects['openai-responses'].countImages(body)).toBe(2);
    expect(dialects['openai-responses'].countImages({ input: 'hello' })).toBe(0);
  });

  it('Gemini: inlineData and fileData of image types, in either spelling; a PDF is not an image', () => {
    const body = {
      contents: [
        { role: 'user', parts: [{ text: 'these' }, { inlineData: { mimeType: 'image/png', data: pixel } }, { inline_data: { mime_type: 'image/jpeg', data: pixel } }] },
        { role: 'user', parts: [{ fileData: { mimeType: 'image/webp', fileUri: 'gs://bucket/c.webp' } }, { fileData: { mimeType: 'application/pdf', fileUri: 'gs://bucket/d.pdf' } }] },
      ],
    };
    expect(dialects.gemini.countImages(body)).toBe(3);
  });

  it('a malformed body counts nothing rather than failing', () => {
    for (const dialect of Object.values(dialects)) {
      expect(dialect.countImages({ messages: 'no', input: 7, contents: [null, 3, { parts: {} }] })).toBe(0);
    }
  });
});
