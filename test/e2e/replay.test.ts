import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src/domain/captured-exchange.js';
import { SecretBox } from '../../src/keys/secret-box.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { candidateTargets } from '../../src/outcomes/candidate-targets.js';
import { replayHttp, type ReplayHttp } from '../../src/outcomes/replay-http.js';
import { ReplayState } from '../../src/outcomes/replay-state.js';
import { runReplay, type ReplayOptions, type ReplayServices, type TrialResult } from '../../src/outcomes/run-replay.js';
import { memoryCaptureSource, sendAndCapture, type CapturedCall } from '../helpers/memory-capture-source.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Issue 22 §3: captured chat, messages, responses and Gemini traffic (streamed and whole) replayed through a
 * real gateway against a group of fake targets — one always failing (503), one slow — as a run of its own,
 * scored by each verifier, refused over --max-cost, and resumed after a stop without a trial sent twice.
 */
let harness: TestGateway;
let origin: FakeUpstream;
let slow: FakeUpstream;
let flaky: FailingUpstream;
let stateDirectory: string;
let captures: CapturedExchange[];
const box = new SecretBox(randomBytes(32));
const openHttp: ReplayHttp[] = [];
const slowDelayMs = 25;
const prices = { slow: { inputPerMillion: 100, outputPerMillion: 400 }, flaky: { inputPerMillion: 200, outputPerMillion: 800 } };

const toolDirective = '[[mock {"toolCall":{"name":"get_weather","arguments":{"city":"Paris","unit":"C"}}}]]';
const weatherTool = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] };
const anthropicVersion = { 'anthropic-version': '2023-06-01' };

/** The original traffic: every API shape, streamed and whole, text, tool calls and JSON. */
const calls: CapturedCall[] = [
  { dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: false, tags: ['verifiers'], body: { model: 'mini', messages: [{ role: 'user', content: 'What is the capital of France?' }] } },
  { dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: true, body: { model: 'mini', stream: true, messages: [{ role: 'user', content: 'Count to three' }] } },
  { dialect: 'anthropic-messages', path: '/v1/messages', requestedModel: 'haiku', stream: false, headers: anthropicVersion, body: { model: 'haiku', max_tokens: 64, messages: [{ role: 'user', content: 'Name a colour' }] } },
  { dialect: 'anthropic-messages', path: '/v1/messages', requestedModel: 'haiku', stream: true, headers: anthropicVersion, body: { model: 'haiku', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Name a river' }] } },
  { dialect: 'openai-responses', path: '/v1/responses', requestedModel: 'mini', stream: false, body: { model: 'mini', input: 'Name a prime number' } },
  { dialect: 'openai-responses', path: '/v1/responses', requestedModel: 'mini', stream: true, body: { model: 'mini', input: 'Name a planet', stream: true } },
  {
    dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: false, tags: ['verifiers'],
    body: { model: 'mini', messages: [{ role: 'user', content: `Weather in Paris? ${toolDirective}` }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool } }] },
  },
  {
    dialect: 'anthropic-messages', path: '/v1/messages', requestedModel: 'haiku', stream: true, headers: anthropicVersion, tags: ['verifiers'],
    body: { model: 'haiku', max_tokens: 64, stream: true, messages: [{ role: 'user', content: `Weather? ${toolDirective}` }], tools: [{ name: 'get_weather', input_schema: weatherTool }] },
  },
  { dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: false, tags: ['verifiers'], body: { model: 'mini', response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'Reply in JSON' }] } },
  { dialect: 'gemini', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', requestedModel: 'gemini-2.5-flash', stream: true, body: { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] } },
];

beforeAll(async () => {
  [origin, slow, flaky] = await Promise.all([
    startFakeUpstream(),
    startFakeUpstream({ defaultBehavior: { delayMs: slowDelayMs } }),
    startFailingUpstream(),
  ]);
  const oneTry = { attempts: 1, maxRetryAfterMs: 0 };
  harness = await startTestGateway({
    providers: {
      openai: { baseUrl: `${origin.url}/v1`, apiKey: 'sk-origin-openai' },
      anthropic: { baseUrl: `${origin.url}/v1`, apiKey: 'sk-origin-anthropic' },
      gemini: { baseUrl: `${origin.url}/v1beta`, apiKey: 'origin-gemini' },
      slowlab: { type: 'openai-compatible', baseUrl: `${slow.url}/v1`, apiKey: 'slow-key', models: ['cheap-slow'] },
      flakylab: { type: 'openai-compatible', baseUrl: `${flaky.url}/v1`, apiKey: 'flaky-key', models: ['cheap-flaky'] },
      // Nothing listens on port 9: every call there fails to connect.
      deadlab: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'dead-key', models: ['cheap-dead'] },
    },
    groups: {
      'coder-cheap': { policy: 'weighted', targets: [{ model: 'flakylab:cheap-flaky' }, { model: 'slowlab:cheap-slow' }], retry: oneTry },
      'coder-broken': { policy: 'failover', targets: [{ model: 'deadlab:cheap-dead' }], retry: oneTry },
    },
    pricing: { 'slowlab:cheap-slow': prices.slow, 'flakylab:cheap-flaky': prices.flaky },
  });
  stateDirectory = await mkdtemp(join(tmpdir(), 'sluice-replay-state-'));
  const key = (await harness.gateway.services.store.listKeys()).find((candidate) => candidate.name === 'test-key')!;
  captures = [];
  for (const call of calls) captures.push(await sendAndCapture(harness.url, harness.token, key, call));
  await harness.gateway.services.usageWriter.flush();
});

afterAll(async () => {
  await Promise.all(openHttp.map((http) => http.close()));
  await harness.close();
  await Promise.all([origin.close(), slow.close(), flaky.close()]);
  await rm(stateDirectory, { recursive: true, force: true });
});

function services(overrides: Partial<ReplayServices> = {}): ReplayServices {
  const http = replayHttp(harness.url, 8);
  openHttp.push(http);
  return {
    store: harness.gateway.services.store,
    captures: memoryCaptureSource(captures),
    state: new ReplayState(stateDirectory),
    box,
    http,
    targets: (against) => candidateTargets(harness.config, against, { env: {}, storedProviders: new Set() }),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    settleMs: 10_000,
    ...overrides,
  };
}

function options(overrides: Partial<ReplayOptions> = {}): ReplayOptions {
  return { against: 'coder-cheap', filter: { from: Date.now() - 3_600_000, before: Date.now() + 60_000 }, limit: 500, verifier: 'exact', passAt: 1, concurrency: 4, maxCostUsd: undefined, dryRun: false, ...overrides };
}

async function rowsOf(run: string) {
  await harness.gateway.services.usageWriter.flush();
  return (await harness.usageRows()).filter((row) => row.runId === run);
}

async function rewardsOf(run: string): Promise<Map<string, number>> {
  return new Map((await harness.gateway.services.store.listOutcomes(run)).map((outcome) => [outcome.trial, outcome.reward]));
}

const idOf = (index: number) => captures[index]!.requestId;

describe('sluice replay through a real gateway', () => {
  it('replays every API shape, streamed and whole, through the candidate group as a run of its own, and compares it with the originals', async () => {
    const slowSeen = slow.requests.length;
    const result = await runReplay(options(), services());
    expect(result).toMatchObject({ selected: 10, sent: 10, answered: 10, failed: 0, verifierErrors: 0, remaining: 0, finished: true, refused: false });
    const run = result.run!;
    expect(run).toBe(`replay-${result.id}`);
    expect(result.originalRun).toBe(`${run}:original`);

    // One call per trial, named by the original's request id, made with the replay's own key in the group.
    const rows = await rowsOf(run);
    expect(rows.map((row) => row.trialId).sort()).toEqual(captures.map((capture) => capture.requestId).sort());
    const replayKey = (await harness.gateway.services.store.listKeys()).find((key) => key.name === run)!;
    expect(replayKey.run).toBe(run);
    for (const row of rows) {
      const capture = captures.find((candidate) => candidate.requestId === row.trialId)!;
      expect(row).toMatchObject({ keyId: replayKey.id, requestedModel: 'coder-cheap', groupName: 'coder-cheap', provider: 'slowlab', upstreamModel: 'cheap-slow', statusCode: 200, stream: capture.stream, inboundDialect: capture.inboundDialect });
      expect(row.costUsd).toBeGreaterThan(0);
    }
    // The slow target served every trial in its shape, the model replaced; streamed captures were streamed.
    const served = slow.requests.slice(slowSeen).map((request) => request.body as { model: string; stream?: boolean });
    expect(served).toHaveLength(10);
    expect(new Set(served.map((body) => body.model))).toEqual(new Set(['cheap-slow']));
    expect(served.filter((body) => body.stream === true)).toHaveLength(captures.filter((capture) => capture.stream).length);
    expect(flaky.requests()).toBeGreaterThan(0);

    // The verifier scored both sides: the candidate's answers read the same as the originals' (text, tool calls, JSON).
    expect([...(await rewardsOf(run)).values()]).toEqual(Array(10).fill(1));
    expect([...(await rewardsOf(`${run}:original`)).values()]).toEqual(Array(10).fill(1));

    const report = result.report!;
    expect(report.runs.map((figures) => figures.run)).toEqual([`${run}:original`, run]);
    const [original, replay] = report.runs;
    expect(original).toMatchObject({ calls: 10, trials: 10, outcomes: 10, passed: 10 });
    expect(replay).toMatchObject({ calls: 10, trials: 10, outcomes: 10, passed: 10, error_rate: 0, mix: [{ target: 'slowlab:cheap-slow', call_share: 1 }] });
    expect(original!.mix.map((entry) => entry.provider).sort()).toEqual(['anthropic', 'gemini', 'openai']);
    // The failing target was tried first for some calls, which then fell over to the slow one.
    expect(replay!.fallback_rate!).toBeGreaterThan(0);
    expect(replay!.latency_ms.p50!).toBeGreaterThanOrEqual(slowDelayMs);
    expect(report.differences[0]).toMatchObject({ run, against: `${run}:original`, pass_rate: { value: 0 } });

    // The manifest keeps the key sealed, never in the clear.
    const manifest = await readFile(join(stateDirectory, `${result.id}.json`), 'utf8');
    expect(JSON.parse(manifest)).toMatchObject({ id: result.id, against: 'coder-cheap', verifier: 'exact', key: { id: replayKey.id } });
    expect(manifest).not.toMatch(/sk-sluice-/);
    expect(JSON.parse(manifest).finishedAt).toBeGreaterThan(0);
  });

  it('scores with each built-in verifier and with a TypeScript module', async () => {
    // The tagged four: a chat text answer, a chat tool call, a streamed Messages tool call, a JSON answer.
    const tagged = { ...options().filter, tag: 'verifiers' };
    const [text, chatTool, messagesTool, json] = [idOf(0), idOf(6), idOf(7), idOf(8)];
    const schemaFile = join(stateDirectory, 'reply.schema.json');
    await writeFile(schemaFile, JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['reply'], properties: { reply: { type: 'string' } } }));
    const moduleFile = join(stateDirectory, 'half-credit.ts');
    await writeFile(
      moduleFile,
      `interface Answer { text: string; toolCalls: Array<{ name: string }> }
       export function score(request: { dialect: string }, answer: Answer, reference: Answer): number {
         if (answer.toolCalls.length > 0) return answer.toolCalls[0]!.name === reference.toolCalls[0]?.name ? 1 : 0;
         return request.dialect === 'openai-chat' && answer.text.startsWith('{') ? 0.5 : 0.25;
       }\n`,
    );
    const expected: Array<[string, Record<string, number>]> = [
      ['json-valid', { [text]: 0, [chatTool]: 0, [messagesTool]: 0, [json]: 1 }],
      ['tool-call-same', { [text]: 1, [chatTool]: 1, [messagesTool]: 1, [json]: 1 }],
      ['regex:/^hello from/i', { [text]: 1, [chatTool]: 0, [messagesTool]: 0, [json]: 0 }],
      [`json-schema:${schemaFile}`, { [text]: 0, [chatTool]: 0, [messagesTool]: 0, [json]: 1 }],
      [moduleFile, { [text]: 0.25, [chatTool]: 1, [messagesTool]: 1, [json]: 0.5 }],
    ];
    for (const [verifier, scores] of expected) {
      const result = await runReplay(options({ verifier, filter: tagged, passAt: 0.5 }), services());
      expect(result, verifier).toMatchObject({ selected: 4, answered: 4, verifierErrors: 0 });
      expect(Object.fromEntries(await rewardsOf(result.run!)), verifier).toEqual(scores);
      expect(Object.fromEntries(await rewardsOf(result.originalRun!)), verifier).toEqual(scores);
      const passed = Object.values(scores).filter((score) => score >= 0.5).length;
      expect(result.report!.runs.map((figures) => figures.passed), verifier).toEqual([passed, passed]);
    }
  });

  it('a dry run counts and estimates without sending; --max-cost refuses above the estimate before any key or call', async () => {
    const keysBefore = (await harness.gateway.services.store.listKeys()).length;
    const manifestsBefore = (await readdir(stateDirectory)).length;
    const rowsBefore = (await harness.usageRows()).length;
    const dry = await runReplay(options({ dryRun: true }), services());
    // Every trial priced from its original's usage row at the dearest target of the group (the failing one).
    const originals = (await harness.usageRows()).filter((row) => captures.some((capture) => capture.requestId === row.id));
    expect(originals).toHaveLength(10);
    const expected = originals.reduce((total, row) => total + (row.inputTokens * prices.flaky.inputPerMillion + row.outputTokens * prices.flaky.outputPerMillion) / 1e6, 0);
    expect(dry).toMatchObject({ dryRun: true, refused: false, selected: 10, sent: 0, run: null, estimate: { trials: 10, fromUsageRows: 10, unpricedTrials: 0, dearestTarget: 'flakylab:cheap-flaky' } });
    expect(dry.estimate.costUsd).toBeCloseTo(expected, 9);

    const underDry = await runReplay(options({ dryRun: true, maxCostUsd: expected / 2 }), services());
    expect(underDry).toMatchObject({ dryRun: true, refused: true, sent: 0 });
    const under = await runReplay(options({ maxCostUsd: expected / 2 }), services());
    expect(under).toMatchObject({ dryRun: false, refused: true, sent: 0, run: null, report: null });
    expect((await harness.gateway.services.store.listKeys()).length).toBe(keysBefore);
    expect((await readdir(stateDirectory)).length).toBe(manifestsBefore);
    expect((await harness.usageRows()).length).toBe(rowsBefore);
  });

  it('a verifier that fails on every original stops the replay before any key or call; one that fails on replies scores them 0', async () => {
    const keysBefore = (await harness.gateway.services.store.listKeys()).length;
    const rowsBefore = (await harness.usageRows()).length;
    const broken = join(stateDirectory, 'broken-verifier.mjs');
    await writeFile(broken, 'export function score() { throw new Error("cannot read answers"); }\n');
    const tagged = { ...options().filter, tag: 'verifiers' };
    await expect(runReplay(options({ verifier: broken, filter: tagged }), services())).rejects.toThrow(/could not score any original answer \(verifier: cannot read answers\): nothing was sent/);
    await expect(runReplay(options({ verifier: broken, filter: tagged, dryRun: true }), services())).rejects.toThrow(/could not score any original/);
    expect((await harness.gateway.services.store.listKeys()).length).toBe(keysBefore);
    expect((await harness.usageRows()).length).toBe(rowsBefore);

    // Scores an original (scored against itself) and throws on every replayed answer.
    const picky = join(stateDirectory, 'picky-verifier.mjs');
    await writeFile(picky, 'export function score(request, answer, reference) { if (answer !== reference) throw new Error("not the original"); return 1; }\n');
    const result = await runReplay(options({ verifier: picky, filter: tagged }), services());
    expect(result).toMatchObject({ sent: 4, answered: 4, verifierErrors: 4, finished: true });
    const outcomes = await harness.gateway.services.store.listOutcomes(result.run!);
    expect(outcomes.map((outcome) => [outcome.reward, outcome.metadata?.error])).toEqual(Array(4).fill([0, 'verifier: not the original']));
    expect(result.report!.runs.map((figures) => figures.passed)).toEqual([4, 0]);
  });

  it('a candidate that fails every call: each trial fails and scores 0, and the report shows the errors', async () => {
    const result = await runReplay(options({ against: 'coder-broken', filter: { ...options().filter, tag: 'verifiers' }, maxCostUsd: 5 }), services());
    expect(result).toMatchObject({ selected: 4, sent: 4, answered: 0, failed: 4, finished: true });
    const outcomes = await harness.gateway.services.store.listOutcomes(result.run!);
    expect(outcomes.map((outcome) => [outcome.reward, outcome.passed, outcome.metadata?.status])).toEqual(Array(4).fill([0, false, 502]));
    expect(outcomes[0]!.metadata?.error).toMatch(/^status 502/);
    expect(result.report!.runs[1]).toMatchObject({ calls: 4, error_rate: 1, passed: 0 });
  });

  it('without a verifier: no outcomes, and the report compares cost, tokens, routing and speed', async () => {
    const result = await runReplay(options({ verifier: undefined, filter: { ...options().filter, tag: 'verifiers' } }), services());
    expect(result).toMatchObject({ verifier: null, sent: 4, answered: 4, finished: true });
    expect(await harness.gateway.services.store.listOutcomes(result.run!)).toEqual([]);
    expect(await harness.gateway.services.store.listOutcomes(result.originalRun!)).toEqual([]);
    expect(result.report!.runs.map((figures) => [figures.calls, figures.trials, figures.outcomes, figures.pass_rate.value])).toEqual([
      [4, 4, 0, null],
      [4, 4, 0, null],
    ]);
    expect(result.report!.differences[0]!.cost_per_trial.value).not.toBeNull();
  });

  it('resumes a stopped replay: the trials done are not sent again', async () => {
    const stop = new AbortController();
    const seen: TrialResult[] = [];
    const first = await runReplay(options({ concurrency: 1 }), services({ stop: stop.signal, onTrial: (trial) => seen.push(trial) === 4 && stop.abort() }));
    expect(first).toMatchObject({ sent: 4, remaining: 6, finished: false });
    expect(first.report!.runs[1]).toMatchObject({ trials: 4 });

    const resumed = await runReplay(options({ resume: first.id!, against: 'ignored', verifier: 'ignored' }), services());
    expect(resumed).toMatchObject({ id: first.id, run: first.run, against: 'coder-cheap', verifier: 'exact', alreadyDone: 4, sent: 6, remaining: 0, finished: true });
    const perTrial = countBy((await rowsOf(first.run!)).map((row) => row.trialId!));
    expect(Object.keys(perTrial).sort()).toEqual(captures.map((capture) => capture.requestId).sort());
    expect(new Set(Object.values(perTrial))).toEqual(new Set([1]));
    expect(resumed.report!.runs[1]).toMatchObject({ calls: 10, trials: 10, outcomes: 10 });

    // A finished replay resumed again sends nothing and reports the same.
    const again = await runReplay(options({ resume: first.id! }), services());
    expect(again).toMatchObject({ sent: 0, alreadyDone: 10, finished: true });
  });

  it('resumes a replay stopped hard mid-call: the call cut short is waited for, not sent twice', async () => {
    const stop = new AbortController();
    const abort = new AbortController();
    let hung = false;
    const onTrial = () => {
      if (hung) return;
      hung = true;
      // The next call to the slow target hangs; once it is upstream, the replay is stopped hard.
      const seen = slow.requests.length;
      slow.enqueue({ hang: true });
      void slow.waitForRequests(seen + 1).then(() => {
        stop.abort();
        abort.abort();
      });
    };
    const first = await runReplay(options({ concurrency: 1 }), services({ stop: stop.signal, abort: abort.signal, onTrial }));
    expect(first).toMatchObject({ sent: 2, finished: false });
    expect(abort.signal.aborted).toBe(true);
    // The first trial was scored; the one cut short was not (its answer never came).
    expect((await harness.gateway.services.store.listOutcomes(first.run!)).map((outcome) => outcome.trial)).toEqual([idOf(0)]);

    // Resumed at once, before the gateway has written the cut call's row: the journal says it was sent, so
    // the resume waits for its row instead of sending it again (had the row landed, it would be done already).
    const resumed = await runReplay(options({ resume: first.id! }), services());
    expect(resumed).toMatchObject({ sent: 8, finished: true });
    expect(resumed.alreadyDone + resumed.unscored).toBe(2);
    const perTrial = countBy((await rowsOf(first.run!)).map((row) => row.trialId!));
    expect(Object.keys(perTrial)).toHaveLength(10);
    expect(new Set(Object.values(perTrial))).toEqual(new Set([1]));
    expect((await rowsOf(first.run!)).find((row) => row.trialId === idOf(1))).toMatchObject({ statusCode: 499 });
  });
});

/**
 * A target that answers 503 to everything (the fake upstream would follow a `[[mock]]` directive in a
 * captured message and answer it): the failing half of the candidate group.
 */
interface FailingUpstream {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

async function startFailingUpstream(): Promise<FailingUpstream> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error', code: null } }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
