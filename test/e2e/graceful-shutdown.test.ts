import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';

/** The SQLite driver the gateway itself runs on with this Node, to read its database file. */
const Database = loadSqliteDriver();

/**
 * SIGTERM drills against the real CLI (`sluice serve` in a child process, its providers pointed at a fake
 * upstream in this process). The gateway must answer every request it received: in-flight ones finish,
 * late ones on open keep-alive connections get a 503 in their caller's shape with `connection: close`, a
 * request id and a usage row, and no client sees a reset.
 */

const cli = join(process.cwd(), 'dist/src/cli/main.js');
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface ServingGateway {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  dataDir: string;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts `sluice serve` on a fresh data directory with OpenAI and Anthropic pointed at `upstream`. */
async function serveGateway(upstream: FakeUpstream): Promise<ServingGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-shutdown-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const configPath = join(dataDir, 'sluice.yaml');
  await writeFile(
    configPath,
    [
      `dataDir: ${dataDir}`,
      'server: { host: 127.0.0.1, port: 0 }',
      'mock: off',
      'logLevel: warn',
      'providers:',
      `  openai: { baseUrl: '${upstream.url}/v1', apiKey: sk-openai-drill }`,
      `  anthropic: { baseUrl: '${upstream.url}/v1', apiKey: sk-ant-drill }`,
      'limits: { defaults: { key: { requestsPerMinute: 0 } } }',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dataDir };
  for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY', 'SLUICE_CONFIG', 'REDIS_URL', 'DATABASE_URL']) {
    delete env[name];
  }
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"messages"')) resolve(output);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  const url = /listening on (http:\/\/\S+)/.exec(banner)![1]!;
  const token = /sk-sluice-[0-9A-Za-z]+/.exec(banner)![0];
  return { child, url, port: Number(new URL(url).port), token, dataDir, exited, output: () => output };
}

/** Whether a new TCP connection to the port is refused, i.e. the gateway has stopped listening. */
function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

type Shape = 'openai' | 'anthropic';

function modelCall(shape: Shape, token: string, text: string, stream = false): Dispatcher.RequestOptions {
  if (shape === 'openai') {
    return {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: text }] }),
    };
  }
  return {
    method: 'POST',
    path: '/v1/messages',
    headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: text }] }),
  };
}

/** A late request's 503, checked against the caller's own error shape. */
function expectShuttingDownAnswer(shape: Shape, status: number, headers: Record<string, unknown>, body: string): void {
  expect(status).toBe(503);
  expect(headers.connection).toBe('close');
  expect(headers['x-sluice-request-id']).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (shape === 'openai') {
    expect(parsed).toEqual({ error: { message: expect.stringContaining('shutting down'), type: 'api_error', param: null, code: 'shutting_down' } });
  } else {
    expect(parsed).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('shutting down') } });
  }
}

interface UsageRowSummary {
  id: string;
  status_code: number;
  error_code: string | null;
}

function usageRows(dataDir: string): UsageRowSummary[] {
  const database = new Database(join(dataDir, 'sluice.db'), { readonly: true });
  try {
    return database.prepare('SELECT id, status_code, error_code FROM usage_rows').all() as UsageRowSummary[];
  } finally {
    database.close();
  }
}

describe('SIGTERM', () => {
  it('finishes answers in flight and answers late requests on open connections with an in-shape 503, a request id and a row', async () => {
    const upstream = await startFakeUpstream();
    cleanups.push(() => upstream.close());
    const gateway = await serveGateway(upstream);
    const clients = Array.from({ length: 4 }, () => new Client(gateway.url, { headersTimeout: 30_000, bodyTimeout: 30_000 }));
    cleanups.push(() => Promise.all(clients.map((client) => client.destroy())));
    const [streamingClient, slowClient, openAiClient, anthropicClient] = clients as [Client, Client, Client, Client];

    // Two keep-alive connections that have answered once and sit idle when the signal comes.
    const warmOpenAi = await openAiClient.request(modelCall('openai', gateway.token, 'warm up'));
    const warmAnthropic = await anthropicClient.request(modelCall('anthropic', gateway.token, 'warm up'));
    await Promise.all([warmOpenAi.body.text(), warmAnthropic.body.text()]);
    expect([warmOpenAi.statusCode, warmAnthropic.statusCode]).toEqual([200, 200]);

    // A stream whose headers are out, and a call the upstream holds for 3 s, both in flight at the signal.
    const streaming = await streamingClient.request(
      modelCall('openai', gateway.token, 'tell me a long story [[mock {"chunkDelayMs": 100}]]', true),
    );
    expect(streaming.statusCode).toBe(200);
    const slowAnswer = slowClient.request(modelCall('anthropic', gateway.token, 'slow one [[mock {"delayMs": 3000}]]'));
    await expect.poll(() => upstream.requests.some((request) => JSON.stringify(request.body).includes('slow one')), { timeout: 10_000 }).toBe(true);

    gateway.child.kill('SIGTERM');
    await expect.poll(() => connectionRefused(gateway.port), { timeout: 10_000, interval: 10 }).toBe(true);

    // Late requests on the idle connections: answered, in their own shape, and told to close.
    const lateOpenAi = await openAiClient.request(modelCall('openai', gateway.token, 'late'));
    expectShuttingDownAnswer('openai', lateOpenAi.statusCode, lateOpenAi.headers, await lateOpenAi.body.text());
    const lateAnthropic = await anthropicClient.request(modelCall('anthropic', gateway.token, 'late'));
    expectShuttingDownAnswer('anthropic', lateAnthropic.statusCode, lateAnthropic.headers, await lateAnthropic.body.text());
    // The connection that answered 503 is gone: the next request has to connect anew, and is refused.
    await expect(openAiClient.request(modelCall('openai', gateway.token, 'later still'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    // The work in flight finishes whole.
    const streamText = await streaming.body.text();
    expect(streamText.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const slow = await slowAnswer;
    expect(slow.statusCode).toBe(200);
    expect(slow.headers.connection).toBe('close');
    expect((JSON.parse(await slow.body.text()) as { type: string }).type).toBe('message');

    expect(await gateway.exited).toBe(0);
    const rows = usageRows(gateway.dataDir);
    const expected = [
      { response: warmOpenAi, status: 200, errorCode: null },
      { response: warmAnthropic, status: 200, errorCode: null },
      { response: streaming, status: 200, errorCode: null },
      { response: slow, status: 200, errorCode: null },
      { response: lateOpenAi, status: 503, errorCode: 'shutting_down' },
      { response: lateAnthropic, status: 503, errorCode: 'shutting_down' },
    ].map(({ response, status, errorCode }) => ({ id: response.headers['x-sluice-request-id'], status_code: status, error_code: errorCode }));
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected.sort((a, b) => String(a.id).localeCompare(String(b.id))));
  });

  it('resets nothing under ~200 requests per second on keep-alive connections', { timeout: 90_000 }, async () => {
    const upstream = await startFakeUpstream({ maxRecordedRequests: 100 });
    cleanups.push(() => upstream.close());
    const gateway = await serveGateway(upstream);
    const pool = new Pool(gateway.url, { connections: 32, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
    cleanups.push(() => pool.destroy());

    type Outcome =
      | { kind: 'answered'; shape: Shape; status: number; requestId: string }
      | { kind: 'refused' }
      | { kind: 'failed'; detail: string };
    const outcomes: Array<Promise<Outcome>> = [];
    let signalled = false;
    const send = (index: number): Promise<Outcome> => {
      const shape: Shape = index % 2 === 0 ? 'openai' : 'anthropic';
      // One call in ten streams slowly, one in ten waits for its headers: both kinds are caught in flight.
      const kind = index % 10;
      const directive = kind === 0 ? ' [[mock {"chunkDelayMs": 40}]]' : kind === 5 ? ' [[mock {"delayMs": 400}]]' : '';
      return pool.request(modelCall(shape, gateway.token, `call ${index}${directive}`, kind === 0)).then(
        async (response): Promise<Outcome> => {
          const body = await response.body.text();
          const requestId = String(response.headers['x-sluice-request-id'] ?? '');
          if (response.statusCode === 200) {
            if (!requestId) return { kind: 'failed', detail: `call ${index}: 200 without a request id` };
          } else {
            try {
              expectShuttingDownAnswer(shape, response.statusCode, response.headers, body);
            } catch (error) {
              return { kind: 'failed', detail: `call ${index}: ${response.statusCode} ${body} (${String(error)})` };
            }
          }
          return { kind: 'answered', shape, status: response.statusCode, requestId };
        },
        (error: NodeJS.ErrnoException): Outcome =>
          error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'failed', detail: `call ${index}: ${error.code ?? ''} ${error.message}` },
      );
    };

    // 4 calls every 20 ms: ~200 per second, until a little after the process has exited (or a hard cap).
    let index = 0;
    let exitedAt: number | undefined;
    let signalledAt = 0;
    void gateway.exited.then(() => (exitedAt = performance.now()));
    const startedAt = performance.now();
    await new Promise<void>((resolve) => {
      const load = setInterval(() => {
        for (let burst = 0; burst < 4; burst++) outcomes.push(send(index++));
        const now = performance.now();
        if (!signalled && now - startedAt >= 1_500) {
          signalled = true;
          signalledAt = now;
          gateway.child.kill('SIGTERM');
        }
        if ((exitedAt !== undefined && now - exitedAt >= 300) || now - startedAt >= 40_000) {
          clearInterval(load);
          resolve();
        }
      }, 20);
    });
    const settled = await Promise.all(outcomes);

    const failures = settled.flatMap((outcome) => (outcome.kind === 'failed' ? [outcome.detail] : []));
    const answered = settled.filter((outcome) => outcome.kind === 'answered');
    const refused = settled.filter((outcome) => outcome.kind === 'refused').length;
    const failureKinds: Record<string, number> = {};
    for (const detail of failures) {
      const kind = detail.replace(/^call \d+: /, '').split(' ')[0] ?? '';
      failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
    }
    const summary = { sent: settled.length, answered: answered.length, refused, failureKinds, failures: failures.slice(0, 12), gatewayLog: gateway.output().slice(-2_000) };
    expect(failures, JSON.stringify(summary)).toEqual([]);
    expect(await gateway.exited).toBe(0);
    // The drill means something only if calls were answered and the load outlived the process.
    expect(answered.filter((outcome) => outcome.status === 200).length).toBeGreaterThanOrEqual(50);
    expect(refused).toBeGreaterThan(0);

    const rows = usageRows(gateway.dataDir);
    const expected = answered.map((outcome) => ({ id: outcome.requestId, status_code: outcome.status }));
    const recorded = rows.map((row) => ({ id: row.id, status_code: row.status_code }));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(recorded.sort(byId)).toEqual(expected.sort(byId));
    console.info(
      `SIGTERM drill: ${settled.length} calls sent, ${answered.filter((outcome) => outcome.status === 200).length} answered 200, ` +
        `${answered.filter((outcome) => outcome.status === 503).length} answered 503 shutting_down, ${refused} refused at connect, 0 resets; ` +
        `exit ${Math.round((exitedAt ?? 0) - signalledAt)} ms after SIGTERM`,
    );
  });
});
