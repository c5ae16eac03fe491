import type { ModelCall } from './model-call.js';

/** What a stage returns when it has answered the call itself (a cache hit, a side route's answer): the list stops. */
export const answered = 'answered';
export type Answered = typeof answered;

/**
 * One step of a call: it receives what the stage before it found (`input`) and returns what it found in
 * turn, or `answered`; refusing is throwing a GatewayError. Synchronous stages return a value, not a Promise.
 */
export type Stage<In, Out> = (call: ModelCall, input: In) => Out | Answered | Promise<Out | Answered>;

interface NamedStage {
  readonly name: string;
  readonly run: Stage<unknown, unknown>;
}

/**
 * An ordered list of stages whose types chain: each stage's input is the previous stage's output. The
 * model call walks the full list; side routes (`count_tokens`, `/v1/models`) walk shorter ones made of the
 * same stages. Built once at load; a call walks it with `runStages`, allocating nothing for the list itself.
 */
export type StageList<In, Out> = ReadonlyArray<NamedStage> & { readonly __chain?: (input: In) => Out };

export class StageListBuilder<In, Out> {
  readonly #stages: NamedStage[];

  constructor(stages: NamedStage[] = []) {
    this.#stages = stages;
  }

  then<Next>(name: string, run: Stage<Out, Next>): StageListBuilder<In, Next> {
    return new StageListBuilder<In, Next>([...this.#stages, { name, run: run as Stage<unknown, unknown> }]);
  }

  build(): StageList<In, Out> {
    return Object.freeze([...this.#stages]);
  }
}

/** Starts a stage list whose first stage receives `In` (`void` for a model call: the first stage reads the request). */
export function stageList<In = void>(): StageListBuilder<In, In> {
  return new StageListBuilder<In, In>();
}

/** Runs the stages in order until one answers; synchronous stages are not awaited. */
export async function runStages<In, Out>(stages: StageList<In, Out>, call: ModelCall, input: In): Promise<Out | Answered> {
  let value: unknown = input;
  for (const stage of stages) {
    const result = stage.run(call, value);
    value = result instanceof Promise ? await result : result;
    if (value === answered) return answered;
  }
  return value as Out;
}
