import { describe, expect, it } from 'vitest';
import { dialects } from '../../src/dialects/dialects.js';
import { createRequestContext, toUsageRow } from '../../src/server/proxy/request-context.js';

/** What the attempt loop leaves on the request context becomes the usage row's routing columns and trail. */
describe('request context → usage row', () => {
  it('a call that never reached the attempt loop: no group, no attempts, no wait', () => {
    const context = createRequestContext('01REFUSED', dialects['openai-chat'], 0);
    expect(toUsageRow(context, 5, 0)).toMatchObject({ groupName: null, policy: null, attempts: 0, fallback: false, queueWaitMs: null, attemptTrail: [] });
  });

  it('a failed-over call: attempts counts the trail, the queue wait is rounded like the other latencies', () => {
    const context = createRequestContext('01FAILOVER', dialects['anthropic-messages'], 0);
    context.groupName = 'fast';
    context.policy = 'failover';
    context.queueWaitMs = 12.345678;
    context.attemptTrail.push(
      { target: 'openai:gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', statusCode: 429, errorCode: 'upstream_error', retryAfterMs: 30_000, timeToFirstByteMs: 3, durationMs: 4 },
      { target: 'anthropic:claude-haiku-4-5', provider: 'anthropic', model: 'claude-haiku-4-5', statusCode: 200, errorCode: null, retryAfterMs: null, timeToFirstByteMs: 90, durationMs: 400 },
    );
    context.fallback = true;
    const row = toUsageRow(context, 500, 0);
    expect(row).toMatchObject({ groupName: 'fast', policy: 'failover', attempts: 2, fallback: true, queueWaitMs: 12.346 });
    expect(row.attemptTrail.map((attempt) => `${attempt.target}=${attempt.statusCode}`)).toEqual(['openai:gpt-4o-mini=429', 'anthropic:claude-haiku-4-5=200']);
  });

  it('each request starts with its own trail', () => {
    const first = createRequestContext('01A', dialects['openai-chat'], 0);
    first.attemptTrail.push({ target: 'openai:gpt-4o-mini', provider: 'openai', model: 'gpt-4o-mini', statusCode: 200, errorCode: null, retryAfterMs: null, timeToFirstByteMs: 1, durationMs: 2 });
    expect(createRequestContext('01B', dialects['openai-chat'], 0).attemptTrail).toEqual([]);
  });
});
