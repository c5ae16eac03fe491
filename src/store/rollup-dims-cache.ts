/**
 * The ids `usage_rollup_dims` gave to combinations of dimensions, remembered so a batch looks up only the
 * combinations it has not met before. An id is learnt only once the transaction that read or created it
 * has committed (`learn`): a rolled-back batch must not leave behind an id its dictionary row never got.
 * Dictionary rows are never deleted, so a remembered id stays right; the cache is cleared when it grows
 * past `limit` (callers' requesters and tags keep adding combinations) and refills from the table.
 */
export class RollupDimsCache {
  readonly #ids = new Map<string, number>();

  constructor(private readonly limit = 200_000) {}

  idOf(dimsKey: string): number | undefined {
    return this.#ids.get(dimsKey);
  }

  learn(ids: ReadonlyMap<string, number>): void {
    if (this.#ids.size + ids.size > this.limit) this.#ids.clear();
    for (const [dimsKey, id] of ids) this.#ids.set(dimsKey, id);
  }
}
