import { request } from 'undici';
import type { RequestShape } from './http-target.js';

/**
 * An OpenAI chat call whose non-streaming answer from the fake upstream is exactly `bytes` long, usage
 * included: the "610-byte chat answer with usage". The reply text is steered with the mock's
 * `reply` directive, and its length found by asking: the answer's id, timestamp and token counts (the
 * prompt holds the directive, so they move with it) make the framing's size something to measure, not
 * to guess. `behavior` adds other directives, e.g. `{ delayMs: 50 }`.
 */
export async function chatAnswering(upstreamUrl: string, headers: Record<string, string>, bytes: number, behavior: Record<string, unknown> = {}): Promise<RequestShape> {
  let replyLength = 1;
  for (let attempt = 0; attempt < 8; attempt++) {
    const shape = chatWithReply('x'.repeat(replyLength), behavior);
    const answered = await answerLength(upstreamUrl, headers, shape);
    if (answered === bytes) return shape;
    replyLength = Math.max(1, replyLength + bytes - answered);
  }
  throw new Error(`could not make the fake upstream answer ${bytes} bytes`);
}

function chatWithReply(reply: string, behavior: Record<string, unknown>): RequestShape {
  const directive = JSON.stringify({ ...behavior, reply });
  return {
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: false, messages: [{ role: 'user', content: `Hello [[mock ${directive}]]` }] }),
  };
}

async function answerLength(upstreamUrl: string, headers: Record<string, string>, shape: RequestShape): Promise<number> {
  const response = await request(`${upstreamUrl}${shape.path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: shape.body });
  const body = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200) throw new Error(`the fake upstream answered ${response.statusCode}: ${body.toString('utf8').slice(0, 300)}`);
  if (!body.toString('utf8').includes('"usage"')) throw new Error('the fake upstream answered without usage');
  return body.length;
}
