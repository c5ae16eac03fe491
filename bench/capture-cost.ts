import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { sealPendingCaptures } from '../src/capture/captured-exchange-of.js';
import { CapturePolicy } from '../src/capture/capture-policy.js';
import type { PendingCapture } from '../src/capture/pending-capture.js';
import { Redactor } from '../src/capture/redaction.js';
import { parseConfig } from '../src/config/load-config.js';
import type { KeyRecord } from '../src/domain/key-record.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { SecretBox } from '../src/keys/secret-box.js';
import type { ResolvedCall } from '../src/server/proxy/call-phases.js';
import type { ModelCall } from '../src/server/proxy/model-call.js';
import { decideCapture } from '../src/server/proxy/stages/decide-capture.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { priceUsageRow } from '../src/usage/price-usage-row.js';
import { Pricer } from '../src/usage/pricing.js';
import { benchUsageRow } from './bench-usage-row.js';
import { log } from './log.js';

/**
 * What governed content capture (issue 22 §2) costs, capture off against every call captured, in this
 * process (run it alone, pinned: `taskset -c 1 node dist/bench/capture-cost.js`):
 *
 * - the request thread, per call: the capture stage (`decideCapture`), the answer tap on the response, the
 *   recorder's `finish` (one buffer for the answer) and the copy the hand-off to the writer thread makes
 *   (`v8.serialize`, the serializer `postMessage` uses). Both cases walk the same fake call and response, so
 *   the difference is capture's;
 * - the writer thread, per row: pricing and the SQLite batch insert (what it does with capture off), then
 *   the captures' copy arriving (`v8.deserialize`), redaction, sealing and their insert.
 *
 * Three shapes: a whole chat answer (2 KB request, 1 KB answer), a chat stream (2 KB, 60 events), and an
 * agent's turn (60 KB of history, a 30-event stream). CPU time of this process (user + system), the median
 * of interleaved rounds.
 */

interface Shape {
  name: string;
  requestBody: string;
  chunks: string[];
  stream: boolean;
}

export interface CaptureCostFigures {
  shape: string;
  requestBytes: number;
  answerBytes: number;
  /** Request thread, ns of CPU per call. */
  requestOffNs: number;
  requestCapturedNs: number;
  /** Writer thread, µs of CPU per row (batches of 500). */
  writerOffUs: number;
  writerCapturedUs: number;
}

const rounds = 7;
const requestCallsPerRound = 20_000;
const writerRowsPerRound = 2_000;
const batchSize = 500;

function chatBody(historyBytes: number): string {
  const system = 'You are a careful assistant. Contact ops@example.com for escalations. '.repeat(8);
  const turns: Array<{ role: string; content: string }> = [];
  let size = system.length;
  for (let turn = 0; size < historyBytes; turn++) {
    const content = `Turn ${turn}: please refactor the function below and keep its behaviour.\n${'const value = compute(input, options); // '.repeat(12)}`;
    turns.push({ role: turn % 2 === 0 ? 'user' : 'assistant', content });
    size += content.length + 30;
  }
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: system }, ...turns], temperature: 0.2 });
}

function sseEvents(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_733_500_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `piece ${index} of the answer ` }, finish_reason: null }] })}\n\n`,
  ).concat('data: [DONE]\n\n');
}

const shapes: Shape[] = [
  { name: 'chat, whole answer', requestBody: chatBody(2_000), chunks: [JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'An answer of about a kilobyte. '.repeat(32) }, finish_reason: 'stop' }], usage: { prompt_tokens: 500, completion_tokens: 250, total_tokens: 750 } })], stream: false },
  { name: 'chat, stream (60 events)', requestBody: chatBody(2_000), chunks: sseEvents(60), stream: true },
  { name: 'agent turn (60 KB, 30 events)', requestBody: chatBody(60_000), chunks: sseEvents(30), stream: true },
];

const headers = {
  host: '127.0.0.1:8422',
  'content-type': 'application/json',
  authorization: 'Bearer sk-sluice-not-a-real-key',
  'user-agent': 'OpenAI/JS 5.23.2',
  'x-stainless-lang': 'js',
  'x-sluice-run': 'nightly',
  accept: 'application/json',
};

/** A response whose writes go nowhere: both cases pay for the same object, so only the tap's cost differs. */
function nullResponse(stream: boolean): ServerResponse {
  const response = {
    headersSent: false,
    statusCode: 200,
    getHeader: () => undefined,
    writeHead(status: number, _headers: Record<string, string>) {
      response.statusCode = status;
      response.headersSent = true;
      return response;
    },
    write: (_chunk: unknown) => true,
    end: (_chunk?: unknown) => response,
  };
  void stream;
  return response as unknown as ServerResponse;
}

function keyWith(capture: KeyRecord['capture']): KeyRecord {
  return { id: 'key_bench', name: 'bench', hash: '', hint: '', userName: null, teamName: null, allowedModels: null, role: 'user', isAdmin: false, limits: {}, defaultModel: null, run: null, capture, createdAt: 0, revokedAt: null, updatedAt: 0 };
}

/** One call's capture work on the request thread; returns what goes to the writer (or undefined). */
function requestThreadCall(shape: Shape, policy: CapturePolicy, key: KeyRecord, index: number): PendingCapture | undefined {
  const response = nullResponse(shape.stream);
  const call = {
    id: `req-${index}`,
    createdAt: 1_000,
    request: { method: 'POST', url: '/v1/chat/completions', headers, rawBody: shape.requestBody },
    response,
    services: { capture: policy, principals: { find: () => undefined } },
    capture: undefined,
  } as unknown as ModelCall;
  const resolved = { parsed: { caller: { key } }, route: { group: undefined } } as unknown as ResolvedCall;
  decideCapture(call, resolved);
  response.writeHead(200, { 'content-type': shape.stream ? 'text/event-stream; charset=utf-8' : 'application/json' });
  const last = shape.chunks.length - 1;
  for (let chunk = 0; chunk < last; chunk++) response.write(shape.chunks[chunk]);
  response.end(shape.chunks[last]);
  if (call.capture === undefined) return undefined;
  const pending = call.capture.finish(200);
  // The hand-off's copy (postMessage serializes on the sending thread).
  serialize(pending);
  return pending;
}

function cpuNs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1_000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function captureCost(): Promise<CaptureCostFigures[]> {
  const config = parseConfig({}, {});
  const policy = new CapturePolicy(config.capture, {});
  const off = keyWith(null);
  const everything = keyWith({ sample: 1 });
  const box = new SecretBox(randomBytes(32));
  const redactor = new Redactor();
  const pricer = new Pricer({});
  const providers = new Map<string, string | undefined>([['openai', 'openai']]);
  const directory = mkdtempSync(join(tmpdir(), 'sluice-capture-bench-'));
  const figures: CaptureCostFigures[] = [];
  try {
    for (const [shapeIndex, shape] of shapes.entries()) {
      // Warm both paths.
      for (let call = 0; call < 5_000; call++) {
        requestThreadCall(shape, policy, off, call);
        requestThreadCall(shape, policy, everything, call);
      }
      const requestOff: number[] = [];
      const requestOn: number[] = [];
      for (let round = 0; round < rounds; round++) {
        requestOff.push(cpuNs(() => {
          for (let call = 0; call < requestCallsPerRound; call++) requestThreadCall(shape, policy, off, call);
        }) / requestCallsPerRound);
        requestOn.push(cpuNs(() => {
          for (let call = 0; call < requestCallsPerRound; call++) requestThreadCall(shape, policy, everything, call);
        }) / requestCallsPerRound);
      }

      // The writer: the same rows into two stores, one without captures and one with every row captured.
      const sample = requestThreadCall(shape, policy, everything, 0)!;
      const offStore = new SqliteStore(join(directory, `off-${shapeIndex}.db`), { compactWithBatches: false });
      const onStore = new SqliteStore(join(directory, `on-${shapeIndex}.db`), { compactWithBatches: false });
      const writerOff: number[] = [];
      const writerOn: number[] = [];
      let next = 0;
      const batchOf = () =>
        Array.from({ length: batchSize }, () => {
          const id = `01JBENCH${String(next++).padStart(18, '0')}`;
          const row: UsageRow = benchUsageRow({ id, createdAt: Date.now(), stream: shape.stream, requestedModel: 'gpt-4o-mini', upstreamModel: 'gpt-4o-mini', runId: 'nightly' });
          return { row, pending: { ...sample, requestId: id } };
        });
      const writeRound = async (store: SqliteStore, captured: boolean): Promise<number> => {
        const batches = Array.from({ length: writerRowsPerRound / batchSize }, batchOf);
        // What arrives in the thread: the captures as a serialized message, read there.
        const messages = batches.map((batch) => serialize(batch.map((entry) => entry.pending)));
        const start = process.cpuUsage();
        for (const [index, batch] of batches.entries()) {
          const rows = batch.map((entry) => entry.row);
          for (const row of rows) priceUsageRow(pricer, providers, row);
          await store.recordUsage(rows);
          if (captured) {
            const pending = deserialize(messages[index]!) as PendingCapture[];
            await store.recordCaptures(sealPendingCaptures(pending, rows, redactor, box));
          }
        }
        const used = process.cpuUsage(start);
        return (used.user + used.system) / writerRowsPerRound;
      };
      await writeRound(offStore, false);
      await writeRound(onStore, true);
      for (let round = 0; round < rounds; round++) {
        writerOff.push(await writeRound(offStore, false));
        writerOn.push(await writeRound(onStore, true));
      }
      await offStore.close();
      await onStore.close();

      const figure: CaptureCostFigures = {
        shape: shape.name,
        requestBytes: Buffer.byteLength(shape.requestBody),
        answerBytes: shape.chunks.reduce((total, chunk) => total + Buffer.byteLength(chunk), 0),
        requestOffNs: median(requestOff),
        requestCapturedNs: median(requestOn),
        writerOffUs: median(writerOff),
        writerCapturedUs: median(writerOn),
      };
      figures.push(figure);
      log(
        `${figure.shape} (request ${figure.requestBytes} B, answer ${figure.answerBytes} B): request thread ${figure.requestOffNs.toFixed(0)} ns off, ` +
          `${figure.requestCapturedNs.toFixed(0)} ns captured (+${(figure.requestCapturedNs - figure.requestOffNs).toFixed(0)} ns); writer ${figure.writerOffUs.toFixed(1)} µs/row off, ` +
          `${figure.writerCapturedUs.toFixed(1)} µs/row captured (+${(figure.writerCapturedUs - figure.writerOffUs).toFixed(1)} µs)`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await captureCost();
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
