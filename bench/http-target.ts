import { Pool } from 'undici';

/** A server under test: where to send calls and the credentials it expects. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The server process, whose CPU time is read around the throughput rounds. */
  pid: number;
  /** Calls sent so far, so the run can check Sluice wrote one usage row per call. */
  requestsSent: number;
}

export interface RequestShape {
  path: string;
  body: string;
}

/** One thing measured: a target answering one kind of call (e.g. Sluice translating to an Anthropic model). */
export interface Scenario {
  name: string;
  target: Target;
  shape: RequestShape;
}

export function openPool(target: Target, connections: number): Pool {
  return new Pool(target.url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
}

export function sendCall(client: Pool, scenario: Scenario) {
  scenario.target.requestsSent++;
  return client.request({
    method: 'POST',
    path: scenario.shape.path,
    headers: { 'content-type': 'application/json', ...scenario.target.headers },
    body: scenario.shape.body,
  });
}

/** Sends one call and reads the whole answer; a non-200 stops the run with what the server said. */
export async function callOnce(client: Pool, scenario: Scenario): Promise<void> {
  const response = await sendCall(client, scenario);
  if (response.statusCode === 200) {
    await response.body.arrayBuffer();
    return;
  }
  throw new UnexpectedStatusError(scenario, response.statusCode, await response.body.text());
}

export class UnexpectedStatusError extends Error {
  constructor(scenario: Scenario, status: number, body: string) {
    super(`${scenario.name}: status ${status}: ${body.slice(0, 500)}`);
    this.name = 'UnexpectedStatusError';
  }
}
