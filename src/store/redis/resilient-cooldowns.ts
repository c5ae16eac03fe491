import type { CooldownSettings, Cooldowns, CooldownState, CooldownStatus, ProbeClaim } from '../../routing/cooldowns.js';
import type { Logger } from '../../domain/logger.js';

const severity: Record<CooldownStatus, number> = { available: 0, 'half-open': 1, cooling: 2 };

/** One warning per this many ms while Redis stays away, not one per failed call. */
const quietMs = 10_000;

/**
 * Cooldowns while Redis cannot be reached: each write that fails lands in this instance's own cooldowns
 * instead, so routing keeps avoiding failing targets, only no longer in step with the other instances.
 * A target counts as cooling if either side says so. Each call tries Redis first, so sharing resumes by
 * itself when Redis returns.
 */
export class ResilientCooldowns implements Cooldowns {
  readonly #primary: Cooldowns;
  readonly #local: Cooldowns;
  readonly #logger: Pick<Logger, 'warn'>;
  #lastWarnedAt = Number.NEGATIVE_INFINITY;

  constructor(options: { primary: Cooldowns; local: Cooldowns; logger: Pick<Logger, 'warn'> }) {
    this.#primary = options.primary;
    this.#local = options.local;
    this.#logger = options.logger;
  }

  status(targetId: string): CooldownStatus {
    const shared = this.#primary.status(targetId);
    const local = this.#local.status(targetId);
    return severity[local] > severity[shared] ? local : shared;
  }

  async claimProbe(targetId: string, leaseMs: number): Promise<ProbeClaim> {
    // A cooldown taken while Redis was away is probed here, where it lives.
    if (this.#local.status(targetId) !== 'available') return this.#local.claimProbe(targetId, leaseMs);
    try {
      return await this.#primary.claimProbe(targetId, leaseMs);
    } catch (error) {
      this.#warn(error);
      return this.#local.claimProbe(targetId, leaseMs);
    }
  }

  recordFailure(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    return this.#write((cooldowns) => cooldowns.recordFailure(targetId, settings));
  }

  coolFor(targetId: string, durationMs: number, settings: CooldownSettings): Promise<CooldownState> {
    return this.#write((cooldowns) => cooldowns.coolFor(targetId, durationMs, settings));
  }

  coolBadCredential(targetId: string, settings: CooldownSettings): Promise<CooldownState> {
    return this.#write((cooldowns) => cooldowns.coolBadCredential(targetId, settings));
  }

  async recordSuccess(targetId: string): Promise<void> {
    await this.#local.recordSuccess(targetId);
    await this.#tryShared((cooldowns) => cooldowns.recordSuccess(targetId));
  }

  async releaseProbe(targetId: string): Promise<void> {
    await this.#local.releaseProbe(targetId);
    await this.#tryShared((cooldowns) => cooldowns.releaseProbe(targetId));
  }

  async close(): Promise<void> {
    await this.#primary.close?.();
    await this.#local.close?.();
  }

  async #write<Result>(operation: (cooldowns: Cooldowns) => Promise<Result>): Promise<Result> {
    try {
      return await operation(this.#primary);
    } catch (error) {
      this.#warn(error);
      return operation(this.#local);
    }
  }

  /** For operations already applied locally: Redis gets them too when it can. */
  async #tryShared(operation: (cooldowns: Cooldowns) => Promise<void>): Promise<void> {
    try {
      await operation(this.#primary);
    } catch (error) {
      this.#warn(error);
    }
  }

  #warn(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarnedAt < quietMs) return;
    this.#lastWarnedAt = now;
    this.#logger.warn({ err: error }, "Redis unavailable: cooldowns are kept in this instance's memory");
  }
}
