import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { chatAnswering } from '../../bench/sized-answer.js';
import { commandStatsDelta, scriptCommands } from '../../bench/private-redis.js';
import { oneCoreRequested, readOneCoreSettings } from '../../bench/one-core-plan.js';

describe('the one-core bench', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => upstream.close());

  it.each([610, 900])('finds a call the fake upstream answers in exactly %i bytes, usage included', async (bytes) => {
    const shape = await chatAnswering(upstream.url, { authorization: 'Bearer test' }, bytes, { delayMs: 1 });
    const response = await request(`${upstream.url}${shape.path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer test' }, body: shape.body });
    const body = Buffer.from(await response.body.arrayBuffer());
    expect(response.statusCode).toBe(200);
    expect(body.length).toBe(bytes);
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) } });
  });

  it('counts the commands Redis ran between two INFO commandstats readings, its own INFO left out', () => {
    const before = new Map([['evalsha', 10], ['get', 4], ['info', 1]]);
    const after = new Map([['evalsha', 14], ['get', 4], ['incrby', 6], ['info', 2]]);
    expect(commandStatsDelta(before, after)).toEqual(new Map([['evalsha', 4], ['incrby', 6]]));
    expect(scriptCommands.has('evalsha')).toBe(true);
    expect(scriptCommands.has('incrby')).toBe(false);
  });

  it('is asked for by BENCH_ONE_CORE=1 or --one-core, and reads its settings from the environment', () => {
    expect(oneCoreRequested({ BENCH_ONE_CORE: '1' }, [])).toBe(true);
    expect(oneCoreRequested({}, ['node', 'run.js', '--one-core'])).toBe(true);
    expect(oneCoreRequested({ BENCH_ONE_CORE: '0' }, [])).toBe(false);
    const settings = readOneCoreSettings({ BENCH_ONE_CORE_REQUESTS: '1000', BENCH_CPU_PROF: '/tmp/profiles' });
    expect(settings).toMatchObject({ requestsBeforeMemory: 1000, streamsForMemory: 10_000, connections: [10, 50], reps: 3, cpuProfileDirectory: '/tmp/profiles' });
    expect(() => readOneCoreSettings({ BENCH_ONE_CORE_ROUND_SECONDS: 'soon' })).toThrow(/BENCH_ONE_CORE_ROUND_SECONDS/);
  });
});
