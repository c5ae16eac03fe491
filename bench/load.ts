import { Pool } from 'undici';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export interface RequestShape {
  path: string;
  body: string;
}

function pool(url: string, connections: number): Pool {
  return new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

async function callOnce(client: Pool, target: Target, shape: RequestShape): Promise<number> {
  const response = await client.request({
    method: 'POST',
    path: shape.path,
    headers: { 'content-type': 'application/json', ...target.headers },
    body: shape.body,
  });
  await response.body.arrayBuffer();
  return response.statusCode;
}

/** Closed loop: `concurrency` workers send back to back for `seconds`; returns completed requests per second. */
export async function measureThroughput(target: Target, shape: RequestShape, concurrency: number, seconds: number): Promise<number> {
  const client = pool(target.url, concurrency);
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const status = await callOnce(client, target, shape);
        if (status === 200) completed++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await client.close();
  if (failed > 0) throw new Error(`${target.name}: ${failed} requests failed during the throughput run`);
  return completed / elapsed;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  count: number;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((left, right) => left - right);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), count: sorted.length };
}

/**
 * Open loop at a fixed rate: request i is due at start + i/rate whatever happened before, and its latency
 * counts from when it was due, so a stall cannot hide itself by delaying later requests.
 */
export async function measureLatencyAtRate(target: Target, shape: RequestShape, rate: number, seconds: number): Promise<LatencySummary> {
  const client = pool(target.url, 256);
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const samples: number[] = [];
  const inFlight: Promise<void>[] = [];
  const start = performance.now() + 20;
  for (let index = 0; index < total; index++) {
    const due = start + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      callOnce(client, target, shape).then((status) => {
        if (status !== 200) throw new Error(`${target.name}: status ${status}`);
        samples.push(performance.now() - due);
      }),
    );
  }
  await Promise.all(inFlight);
  await client.close();
  return summarize(samples);
}

/** Sequential streaming requests: time from sending to the first body byte. */
export async function measureStreamingFirstByte(target: Target, shape: RequestShape, count: number): Promise<LatencySummary> {
  const client = pool(target.url, 4);
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = performance.now();
    const response = await client.request({
      method: 'POST',
      path: shape.path,
      headers: { 'content-type': 'application/json', ...target.headers },
      body: shape.body,
    });
    let first = true;
    for await (const _chunk of response.body) {
      if (first) {
        samples.push(performance.now() - started);
        first = false;
      }
    }
    if (response.statusCode !== 200) throw new Error(`${target.name}: streaming status ${response.statusCode}`);
  }
  await client.close();
  return summarize(samples);
}
