import type { CooldownSettings, Cooldowns, CooldownState, CooldownStatus, ProbeClaim } from './cooldowns.js';

interface CooldownRecord {
  failures: number;
  windowStart: number;
  /** 0: never cooled (only counting failures). */
  deadline: number;
  /** While in the future, one caller is probing the target. */
  probeUntil: number;
}

/**
 * Cooldowns for one process. Every operation reads and writes with no await in between, so it is atomic
 * here exactly as the Redis scripts are there. The clock is injected for tests.
 */
export class MemoryCooldowns implements Cooldowns {
  /** Keyed by target id: group targets only, so bounded by the config. */
  readonly #records = new Map<string, CooldownRecord>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  status(targetId: string): CooldownStatus {
    const record = this.#records.get(targetId);
    if (!record || record.deadline === 0) return 'available';
    const now = this.#now();
    return now < record.deadline || now < record.probeUntil ? 'cooling' : 'half-open';
  }

  claimProbe(targetId: string, leaseMs: number): ProbeClaim {
    const status = this.status(targetId);
    if (status !== 'half-open') return status;
    this.#records.get(targetId)!.probeUntil = this.#now() + leaseMs;
    return 'probe';
  }

  async recordFailure(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    const now = this.#now();
    const record = this.#record(targetId, now);
    if (record.deadline > 0) return this.#extend(record, now + settings.durationMs);
    if (now - record.windowStart >= settings.windowMs) {
      record.windowStart = now;
      record.failures = 0;
    }
    record.failures++;
    if (record.failures >= settings.failures) return this.#extend(record, now + settings.durationMs);
    return stateOf(record);
  }

  async coolFor(targetId: string, durationMs: number, settings: CooldownSettings): Promise<CooldownState> {
    const now = this.#now();
    const record = this.#record(targetId, now);
    if (durationMs <= 0) return stateOf(record);
    return this.#extend(record, now + Math.min(durationMs, settings.maxDurationMs));
  }

  async coolBadCredential(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    const now = this.#now();
    return this.#extend(this.#record(targetId, now), now + settings.durationMs);
  }

  async recordSuccess(targetId: string): Promise<void> {
    const record = this.#records.get(targetId);
    // Failures still counting keep counting: a target failing every other call must still cool down.
    if (!record || record.deadline === 0 || this.#now() < record.deadline) return;
    this.#records.delete(targetId);
  }

  async releaseProbe(targetId: string): Promise<void> {
    const record = this.#records.get(targetId);
    if (record) record.probeUntil = 0;
  }

  #record(targetId: string, now: number): CooldownRecord {
    let record = this.#records.get(targetId);
    if (!record) {
      record = { failures: 0, windowStart: now, deadline: 0, probeUntil: 0 };
      this.#records.set(targetId, record);
    }
    return record;
  }

  /** The one place a deadline changes: it only moves later. A probe in flight has had its verdict. */
  #extend(record: CooldownRecord, wanted: number): CooldownState {
    record.deadline = Math.max(record.deadline, wanted);
    record.failures = 0;
    record.probeUntil = 0;
    return stateOf(record);
  }
}

function stateOf(record: CooldownRecord): CooldownState {
  return { deadline: record.deadline === 0 ? undefined : record.deadline, failures: record.failures };
}
