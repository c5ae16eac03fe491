/**
 * Work done against a store, written once for both backends: a generator that `yield`s each query it must
 * wait for and is handed back its answer. SQLite's driver is synchronous, so its work never yields and runs
 * to the end at once (`doNow`), inside one of better-sqlite3's synchronous transactions; PostgreSQL's work
 * yields its queries' promises and is driven by `doAwaiting`. Written as async functions instead, SQLite's
 * transactions would stay open across `await`s, where any other call on the same connection would join them.
 *
 * A step reads `const count = yield* tables.packCount(...)`: `yield*` hands the inner work's queries up to
 * the driver and evaluates to what the inner work returns.
 */
export type StoreWork<Result> = Generator<PromiseLike<unknown>, Result, unknown>;

/** Work that waits for one query: `yield* awaited(client.query(...))`. */
export function* awaited<Result>(query: PromiseLike<Result>): StoreWork<Result> {
  return (yield query) as Result;
}

/** Work with nothing to wait for (a synchronous store's answer). */
export function* done<Result>(result: Result): StoreWork<Result> {
  return result;
}

/** Runs work that never waits (SQLite): its result, at once. */
export function doNow<Result>(work: StoreWork<Result>): Result {
  const step = work.next();
  if (!step.done) throw new Error('synchronous store work waited for a query');
  return step.value;
}

/** Runs work that waits for its queries (PostgreSQL), handing each its answer or its failure. */
export async function doAwaiting<Result>(work: StoreWork<Result>): Promise<Result> {
  let step = work.next();
  while (!step.done) {
    let answer: unknown;
    try {
      answer = await step.value;
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(answer);
  }
  return step.value;
}
