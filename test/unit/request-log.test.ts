import { describe, expect, it } from 'vitest';
import { RequestLog } from '../../src/telemetry/request-log.js';
import { formatRequestLogLine, requestLogFieldsOf } from '../../src/telemetry/request-log-line.js';
import { syntheticUsageRow } from '../helpers/synthetic-usage-row.js';

const row = () =>
  syntheticUsageRow({
    createdAt: Date.parse('2026-12-06T07:29:39.512Z'),
    requester: 'alice',
    inboundDialect: 'anthropic-messages',
    requestedModel: 'haiku',
    provider: 'anthropic',
    upstreamModel: 'claude-haiku-4-5',
    inputTokens: 1200,
    outputTokens: 35,
    cacheReadTokens: 1000,
    costUsd: 0.000305,
    latencyMs: 412.4,
    timeToFirstByteMs: 380.2,
  });

function collector(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (text: string) => void writes.push(text) }, writes };
}

describe('a request log line for a terminal', () => {
  it('says when, which request, who, which shape, what was asked and where it went, status, tokens, cost and time', () => {
    const line = formatRequestLogLine(requestLogFieldsOf(row(), 'laptop'));
    expect(line).toBe(
      '07:29:39.512  01JTESTROW0000000000000000  laptop (ada)  anthropic-messages  haiku → anthropic:claude-haiku-4-5  200  ' +
        'in 1200 out 35 (cache read 1000)  $0.000305  412 ms (first byte 380 ms)',
    );
  });

  it('marks a routed call with its group and attempts, fallbacks, cache hits and errors', () => {
    const routed = formatRequestLogLine(
      requestLogFieldsOf(syntheticUsageRow({ groupName: 'coder', attempts: 2, fallback: true, cached: true, provider: 'openai', upstreamModel: 'gpt-5.5', requestedModel: 'coder' }), 'ci'),
    );
    expect(routed).toContain('coder → openai:gpt-5.5 [group coder, 2 attempts]');
    expect(routed).toContain('CACHED');
    expect(routed).toContain('FALLBACK');
    const refused = formatRequestLogLine(
      requestLogFieldsOf(syntheticUsageRow({ statusCode: 404, outcome: 'error', errorCode: 'model_not_found', provider: null, upstreamModel: null, costUsd: null, requestedModel: 'nope' }), 'ci'),
    );
    expect(refused).toContain('nope → -  404 model_not_found');
    expect(refused).toContain('$?');
  });

  it('names the evaluation run and trial a call belongs to, after where it went', () => {
    const line = formatRequestLogLine(requestLogFieldsOf({ ...row(), runId: 'nightly-12-06', trialId: 'fizzbuzz-1' }, 'laptop'));
    expect(line).toContain('haiku → anthropic:claude-haiku-4-5  run nightly-12-06 trial fizzbuzz-1  200');
    expect(formatRequestLogLine(requestLogFieldsOf({ ...row(), trialId: 'lonely' }, 'laptop'))).toContain('claude-haiku-4-5  trial lonely  200');
    expect(formatRequestLogLine(requestLogFieldsOf(row(), 'laptop'))).not.toContain('run ');
    expect(requestLogFieldsOf({ ...row(), runId: 'r', trialId: 't' }, null)).toMatchObject({ run: 'r', trial: 't' });
  });

  it('names the operation when it is not chat', () => {
    const line = formatRequestLogLine(requestLogFieldsOf(syntheticUsageRow({ operation: 'embeddings', requestedModel: 'text-embedding-3-small' }), 'k'));
    expect(line).toContain('  openai-chat embeddings  text-embedding-3-small →');
  });

  it('turns control characters in names a caller chose into ?, so a model name cannot drive the terminal', () => {
    const line = formatRequestLogLine(requestLogFieldsOf(syntheticUsageRow({ requestedModel: 'x\u001b[2J\u0007y', requester: 'r\nz', userName: null }), 'k'));
    expect(line).toContain('x?[2J?y →');
    expect(line).toContain('k (r?z)');
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('the request log', () => {
  it('writes a batch of rows as one write of pino JSON lines when stderr is not a terminal', () => {
    const { stream, writes } = collector(false);
    const log = new RequestLog({ stream, enabled: true, keyName: (id) => (id === 'key-1' ? 'laptop' : undefined) });
    log.write([row(), { ...row(), id: 'second', keyId: 'gone' }]);
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'model call',
      requestId: '01JTESTROW0000000000000000',
      startedAt: '2026-12-06T07:29:39.512Z',
      key: 'laptop',
      user: 'ada',
      team: 'research',
      requester: 'alice',
      shape: 'anthropic-messages',
      operation: 'chat',
      model: 'haiku',
      target: 'anthropic:claude-haiku-4-5',
      status: 200,
      inputTokens: 1200,
      outputTokens: 35,
      cacheReadTokens: 1000,
      costUsd: 0.000305,
      latencyMs: 412.4,
      timeToFirstByteMs: 380.2,
      cached: false,
      fallback: false,
    });
    // A key no longer in the view is named by its id.
    expect(lines[1]).toMatchObject({ requestId: 'second', key: 'gone' });
  });

  it('writes readable lines on a terminal, and nothing while switched off', () => {
    const { stream, writes } = collector(true);
    const log = new RequestLog({ stream, enabled: false, keyName: () => 'laptop' });
    log.write([row()]);
    expect(writes).toEqual([]);
    log.enabled = true;
    log.write([row(), row()]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n')).toHaveLength(3);
    expect(writes[0]).toMatch(/^07:29:39\.512 {2}01JTESTROW/);
  });
});
