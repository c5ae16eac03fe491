import type { Pool } from 'undici';
import { openPool, sendCall, UnexpectedStatusError, type Scenario } from './http-target.js';
import { rotate, summarize } from './statistics.js';

export interface StreamTiming {
  /** Milliseconds from sending to the first body byte. */
  firstByte: number;
  /** Milliseconds from sending to the end of the stream. */
  lastByte: number;
  /** Milliseconds from sending to the first chunk carrying generated text (an OpenAI content delta, an Anthropic text delta). */
  firstContent: number;
}

/**
 * Sequential streaming calls, interleaved across scenarios call by call so that every scenario sees the
 * same machine at the same moments; returns, per scenario, every call's timing. The first `warmUp`
 * rounds are dropped (lazy compilation, first connections).
 */
export async function measureStreams(scenarios: Scenario[], count: number, warmUp: number): Promise<Map<string, StreamTiming[]>> {
  const pools = new Map(scenarios.map((scenario) => [scenario.name, openPool(scenario.target, 1)]));
  const samples = new Map(scenarios.map((scenario): [string, StreamTiming[]] => [scenario.name, []]));
  try {
    for (let round = 0; round < warmUp + count; round++) {
      for (const scenario of rotate(scenarios, round)) {
        const timing = await timeStream(pools.get(scenario.name)!, scenario);
        if (round >= warmUp) samples.get(scenario.name)!.push(timing);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.destroy()));
  }
  return samples;
}

/** Median first and last byte per scenario. */
export function medianTimings(samples: Map<string, StreamTiming[]>): Map<string, StreamTiming> {
  return new Map(
    [...samples].map(([name, timings]) => [
      name,
      {
        firstByte: summarize(timings.map((timing) => timing.firstByte)).p50,
        lastByte: summarize(timings.map((timing) => timing.lastByte)).p50,
        firstContent: summarize(timings.map((timing) => timing.firstContent)).p50,
      },
    ]),
  );
}

/** A chunk with generated text: an OpenAI delta with content, or an Anthropic text delta. */
const generatedText = /"content":"[^"]|"text_delta"/;

async function timeStream(client: Pool, scenario: Scenario): Promise<StreamTiming> {
  const started = performance.now();
  const response = await sendCall(client, scenario);
  if (response.statusCode !== 200) throw new UnexpectedStatusError(scenario, response.statusCode, await response.body.text());
  let firstByteAt: number | undefined;
  let firstContentAt: number | undefined;
  // Reads the whole stream so the connection is free and idle before the next call.
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    const now = performance.now();
    firstByteAt ??= now;
    if (firstContentAt === undefined && generatedText.test(chunk.toString('utf8'))) firstContentAt = now;
  }
  if (firstByteAt === undefined) throw new Error(`${scenario.name}: the stream had no body`);
  const lastByte = performance.now() - started;
  return { firstByte: firstByteAt - started, lastByte, firstContent: (firstContentAt ?? performance.now()) - started };
}
