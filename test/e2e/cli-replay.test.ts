import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CompareReport } from '../../src/analytics/compare-report.js';
import { replayCommand, storeCaptures } from '../../src/cli/replay-command.js';
import type { CapturedExchange } from '../../src/domain/captured-exchange.js';
import { openCapture } from '../../src/capture/seal-capture.js';
import type { ReplayResult } from '../../src/outcomes/run-replay.js';
import { memoryCaptureSource, sendAndCapture } from '../helpers/memory-capture-source.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * `sluice replay` as an operator runs it against a running gateway and its store: the flags, the dry run and
 * its refusal, the table, --json and --html, and --resume. Most cases hand the command's one seam,
 * `captures`, records from memory (exact bodies, a capture of another key); the last replays what the gateway
 * itself captured and sealed in its store, opened with the master key as `sluice replay` does.
 *
 * The command loads the config as an operator's shell would, so `DATABASE_URL` (set by .ci/run for the
 * PostgreSQL suites) would point it at another store than this gateway's SQLite file: it is cleared here.
 */
let harness: TestGateway;
let captures: CapturedExchange[];
let configPath: string;

beforeAll(async () => {
  harness = await startTestGateway({ groups: { 'coder-cheap': { policy: 'failover', targets: [{ model: 'anthropic:claude-haiku-4-5' }] } } }, { reloadable: true });
  configPath = join(harness.dataDir, 'sluice.yaml');
  const key = (await harness.gateway.services.store.listKeys()).find((candidate) => candidate.name === 'test-key')!;
  captures = [
    await sendAndCapture(harness.url, harness.token, key, { dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: false, body: { model: 'mini', response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'JSON please' }] } }),
    await sendAndCapture(harness.url, harness.token, key, { dialect: 'openai-chat', path: '/v1/chat/completions', requestedModel: 'mini', stream: true, body: { model: 'mini', stream: true, messages: [{ role: 'user', content: 'Plain text please' }] } }),
  ];
  // A capture of another key: `--key test-key` leaves it out.
  captures.push({ ...captures[1]!, requestId: '01OTHERKEYCAPTURE000000000', keyId: 'key_other' });
  await harness.gateway.services.usageWriter.flush();
});
afterAll(() => harness.close());

async function sluiceReplay(...args: string[]): Promise<{ stdout: string; notices: string[] }> {
  return sluiceReplayWith(() => memoryCaptureSource(captures), ...args);
}

async function sluiceReplayWith(source: Parameters<typeof replayCommand>[0]['captures'], ...args: string[]): Promise<{ stdout: string; notices: string[] }> {
  vi.stubEnv('DATABASE_URL', '');
  vi.stubEnv('SLUICE_DATABASE_URL', '');
  const notices: string[] = [];
  const writes: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
  try {
    await replayCommand({ captures: source, notices: (line) => notices.push(line) })
      .exitOverride()
      .parseAsync([...args, '--config', configPath, '--url', harness.url], { from: 'user' });
  } finally {
    spy.mockRestore();
    vi.unstubAllEnvs();
  }
  return { stdout: writes.join(''), notices };
}

describe('sluice replay', () => {
  it('--dry-run prints the count and the estimate and sends nothing; over --max-cost it refuses', async () => {
    const rowsBefore = (await harness.usageRows()).length;
    const dry = await sluiceReplay('--window', '1h', '--key', 'test-key', '--against', 'coder-cheap', '--dry-run');
    expect(dry.notices[0]).toMatch(/^Would replay 2 captures against coder-cheap, no verifier/);
    expect(dry.notices[0]).toMatch(/estimated \$[0-9.e-]+ for 2 trials at the dearest target \(anthropic:claude-haiku-4-5\)/);
    expect(dry.stdout).toBe('');
    await expect(sluiceReplay('--window', '1h', '--against', 'coder-cheap', '--dry-run', '--max-cost', '0.0000001')).rejects.toThrow(/over --max-cost \$1\.00e-7: nothing was sent/);
    await expect(sluiceReplay('--window', '1h', '--against', 'coder-cheap', '--max-cost', '0.0000001')).rejects.toThrow(/nothing was sent/);
    expect((await harness.usageRows()).length).toBe(rowsBefore);
  });

  it('replays, prints the compare table, writes --json and --html; --resume of a finished replay sends nothing', async () => {
    const json = join(harness.dataDir, 'replay.json');
    const html = join(harness.dataDir, 'replay.html');
    const run = await sluiceReplay('--window', '1h', '--key', 'test-key', '--against', 'coder-cheap', '--verify', 'json-valid', '--concurrency', '2', '--max-cost', '5', '--json', json, '--html', html);
    expect(run.notices.at(-1)).toMatch(/sent 2 \(answered 2, failed 0\)/);
    const written = JSON.parse(await readFile(json, 'utf8')) as CompareReport & { replay: ReplayResult };
    const replayRun = written.replay.run!;
    expect(written.runs.map((figures) => figures.run)).toEqual([`${replayRun}:original`, replayRun]);
    // The original asked for JSON mode and got JSON; the candidate (Messages, which has no JSON mode) did not.
    expect(written.runs.map((figures) => figures.passed)).toEqual([1, 0]);
    expect(written.differences[0]!.pass_rate.value).toBe(-0.5);
    expect(written.replay).toMatchObject({ against: 'coder-cheap', verifier: 'json-valid', selected: 2, sent: 2, finished: true });
    expect(run.stdout).toContain(`${replayRun} − ${replayRun}:original`);
    expect(run.stdout).toMatch(/pass rate\s+50\.0% \[.*\]\s+0\.0%/);
    expect(await readFile(html, 'utf8')).toContain(`<th>${replayRun}</th>`);

    const resumed = await sluiceReplay('--resume', written.replay.id!);
    expect(resumed.notices.at(-1)).toMatch(/sent 0 \(answered 0, failed 0\); 2 done before/);
    expect(resumed.stdout).toContain(`${replayRun} − ${replayRun}:original`);
  });

  it('refuses a missing --against or --window, an unknown key, and a concurrency out of range', async () => {
    await expect(sluiceReplay('--window', '1h')).rejects.toThrow(/--against is required/);
    await expect(sluiceReplay('--against', 'coder-cheap')).rejects.toThrow(/--window is required/);
    await expect(sluiceReplay('--window', '1h', '--against', 'coder-cheap', '--key', 'nobody')).rejects.toThrow(/no key with id or name 'nobody'/);
    await expect(sluiceReplay('--window', '1h', '--against', 'coder-cheap', '--concurrency', '0')).rejects.toThrow(/whole number from 1 to 64/);
  });

  it('replays what the gateway captured: sealed in its store, opened with the master key, each call once', async () => {
    const capturing = await harness.issueKey({ name: 'replay-capturing', capture: { sample: 1 } });
    const prompts = ['Name a colour.', 'Name a fruit.', 'Name a river.'];
    for (const content of prompts) {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${capturing}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mini', messages: [{ role: 'user', content }] }),
      });
      expect(response.status).toBe(200);
    }
    await harness.gateway.services.usageWriter.flush();
    const fromStore = storeCaptures(openCapture);

    const dry = await sluiceReplayWith(fromStore, '--window', '1h', '--key', 'replay-capturing', '--against', 'coder-cheap', '--dry-run');
    expect(dry.notices[0]).toMatch(/^Would replay 3 captures against coder-cheap/);

    const json = join(harness.dataDir, 'replay-captured.json');
    const run = await sluiceReplayWith(fromStore, '--window', '1h', '--key', 'replay-capturing', '--against', 'coder-cheap', '--verify', 'regex:.', '--json', json);
    expect(run.notices.at(-1)).toMatch(/sent 3 \(answered 3, failed 0\)/);
    const written = JSON.parse(await readFile(json, 'utf8')) as CompareReport & { replay: ReplayResult };
    const replayRun = written.replay.run!;
    const replayed = (await harness.usageRows()).filter((row) => row.runId === replayRun);
    // One call per captured request, each labelled with the original's request id as its trial.
    expect(replayed).toHaveLength(3);
    expect(new Set(replayed.map((row) => row.trialId)).size).toBe(3);
    expect(replayed.every((row) => row.groupName === 'coder-cheap')).toBe(true);
    const originals = (await harness.usageRows()).filter((row) => row.keyId !== null && replayed.some((copy) => copy.trialId === row.id));
    expect(originals).toHaveLength(3);
    expect(written.runs.map((figures) => figures.trials)).toEqual([3, 3]);
  });
});
