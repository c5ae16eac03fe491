import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CaptureFilter } from '../domain/captured-exchange.js';

/**
 * A replay as it was started, kept in `<data dir>/replays/<id>.json` so `sluice replay --resume <id>` goes on
 * with the same captures, candidate, verifier and key. The key's token is sealed with the master key (bound
 * to the replay's id), never written in the clear; a key given with `--key-secret` is not kept at all.
 */
export interface ReplayManifest {
  version: 1;
  id: string;
  /** `replay-<id>`: the run of the replayed calls and their outcomes. */
  run: string;
  /** `replay-<id>:original`: the originals' outcomes, as the baseline of the comparison. */
  originalRun: string;
  createdAt: number;
  against: string;
  /** Null: replayed without a verifier (no outcomes). */
  verifier: string | null;
  passAt: number;
  maxCostUsd: number | null;
  filter: CaptureFilter;
  limit: number;
  /** The request ids chosen, oldest first: the replay's trials. */
  requestIds: string[];
  key: { id: string | null; sealedToken: string | null };
  finishedAt: number | null;
}

const manifestSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  run: z.string(),
  originalRun: z.string(),
  createdAt: z.number(),
  against: z.string(),
  verifier: z.string().nullable(),
  passAt: z.number(),
  maxCostUsd: z.number().nullable(),
  filter: z.object({
    from: z.number().optional(),
    before: z.number().optional(),
    keyId: z.string().optional(),
    teamName: z.string().optional(),
    requestedModel: z.string().optional(),
    tag: z.string().optional(),
    runId: z.string().optional(),
  }),
  limit: z.number().int().positive(),
  requestIds: z.array(z.string()),
  key: z.object({ id: z.string().nullable(), sealedToken: z.string().nullable() }),
  finishedAt: z.number().nullable(),
});

/** A replay id is a run label's tail: refuse anything else before it names a file. */
const idPattern = /^[a-z0-9]{1,64}$/;

export function isReplayId(id: string): boolean {
  return idPattern.test(id);
}

/** Where replays keep their manifests and journals. */
export class ReplayState {
  constructor(readonly directory: string) {}

  #manifestPath(id: string): string {
    if (!isReplayId(id)) throw new Error(`'${id}' is not a replay id (lower-case letters and digits)`);
    return join(this.directory, `${id}.json`);
  }

  #journalPath(id: string): string {
    return join(this.directory, `${id}.sent`);
  }

  /** Writes the manifest whole (a temporary file renamed over it), readable by its owner only. */
  async save(manifest: ReplayManifest): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const path = this.#manifestPath(manifest.id);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  }

  async load(id: string): Promise<ReplayManifest> {
    let text: string;
    try {
      text = await readFile(this.#manifestPath(id), 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') throw new Error(`no replay '${id}' in ${this.directory}`);
      throw error;
    }
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.#manifestPath(id)} is not a replay manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data as ReplayManifest;
  }

  /**
   * Notes that a trial is about to be sent, before it is: a replay stopped hard (a crash, SIGKILL) leaves
   * trials whose calls the gateway may still be writing, and a resume waits for those rather than send twice.
   */
  async noteSending(id: string, trial: string): Promise<void> {
    await appendFile(this.#journalPath(id), `${trial}\n`, { mode: 0o600 });
  }

  /** The trials noted as sent, in any run of the replay so far. */
  async sentTrials(id: string): Promise<Set<string>> {
    try {
      return new Set((await readFile(this.#journalPath(id), 'utf8')).split('\n').filter((line) => line !== ''));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return new Set();
      throw error;
    }
  }
}
