import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { admissionScript, type AdmissionItem } from './redis-admission-script.js';
import { defineScript, type RedisScript } from './redis-script.js';
import { renewalScript, settlementScript } from './redis-settlement-script.js';

/** A settlement's parts, by full Redis key. */
export interface SettlementParts {
  /** Window counters (with their window start) and the correction to add. */
  windows?: ReadonlyArray<readonly [key: string, delta: number]>;
  /** Lease sets to give one of this instance's leases back to, once per entry. */
  slots?: readonly string[];
  /** Budget accounts and the nano-dollars to add (the real cost less the reservation). */
  accounts?: ReadonlyArray<readonly [key: string, delta: number]>;
  /** Someone in this process waits for one of these slots: send now, not with the next batch. */
  sendNow?: boolean;
}

export interface RedisCommandBatchOptions {
  /** How long a settlement may wait for others before it is sent: the bound on how stale shared counters get. */
  settlementDelayMs?: number;
  /** Settlements summed into one script call, at most; a batch that reaches it is sent at once. */
  maxSettlementsPerCall?: number;
  /** How long a concurrency slot outlives the last renewal by the instance that holds it (a crash, a lost answer). */
  slotLeaseMs?: number;
}

/** Admission items run by one script call at most: a script blocks Redis while it runs. */
const maxItemsPerCall = 64;
const defaults = { settlementDelayMs: 5, maxSettlementsPerCall: 256, slotLeaseMs: 30_000 };

interface PendingItem extends AdmissionItem {
  resolve: (answer: unknown[]) => void;
  reject: (error: unknown) => void;
}

/**
 * What this instance sends to Redis for admission and settlement, so that the request path costs one command
 * and settling costs a share of one:
 *
 * - every limit charge and budget reservation asked in one turn of the event loop (a request's own pair, and
 *   those of other requests parsed in the same turn) goes out as one EVALSHA of the admission script;
 * - settlements (window corrections, slots given back, budget corrections) are summed per key and sent
 *   together `settlementDelayMs` after the first one, or at once when `maxSettlementsPerCall` are waiting or
 *   a request of this process waits for a slot being given back. `close()` sends whatever is waiting.
 *
 * A settlement's promise settles when its batch has been applied (or failed), so `await` still means done.
 *
 * It also keeps the concurrency slots this instance holds (leases, see `redis-admission-script.ts`): which
 * lease to give back when a request ends, and a heartbeat that renews them every third of a lease while any
 * is held (one script call for all of them; nothing while none is).
 */
export class RedisCommandBatches {
  readonly slotLeaseMs: number;
  /** This process's part of lease names, so two instances never name a lease alike. */
  readonly #instance = randomBytes(6).toString('hex');
  #nextLease = 0;
  readonly #admit: RedisScript;
  readonly #settle: RedisScript;
  readonly #renew: RedisScript;
  readonly #settlementDelayMs: number;
  readonly #maxSettlements: number;
  #items: PendingItem[] = [];
  #admissionScheduled = false;
  #windows = new Map<string, number>();
  #slots = new Map<string, string[]>();
  #accounts = new Map<string, number>();
  #waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #settlementTimer: NodeJS.Timeout | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  /** The leases this instance holds, by lease set: renewed by the heartbeat, given back when requests end. */
  readonly #leases = new Map<string, string[]>();
  #leasesHeld = 0;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(redis: Redis, options: RedisCommandBatchOptions = {}) {
    this.#settlementDelayMs = options.settlementDelayMs ?? defaults.settlementDelayMs;
    this.#maxSettlements = options.maxSettlementsPerCall ?? defaults.maxSettlementsPerCall;
    this.slotLeaseMs = options.slotLeaseMs ?? defaults.slotLeaseMs;
    this.#admit = defineScript(redis, 'sluiceAdmit', admissionScript);
    this.#settle = defineScript(redis, 'sluiceSettle', settlementScript);
    this.#renew = defineScript(redis, 'sluiceRenewLeases', renewalScript);
  }

  /** Runs one admission item with the others asked in this turn of the event loop; answers its own array. */
  admit(item: AdmissionItem): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.#items.push({ ...item, resolve, reject });
      if (this.#admissionScheduled) return;
      this.#admissionScheduled = true;
      setImmediate(() => this.#sendAdmissions());
    });
  }

  /** Queues a settlement; resolves once the batch that carries it has been applied. */
  settle(parts: SettlementParts): Promise<void> {
    for (const [key, delta] of parts.windows ?? []) this.#windows.set(key, (this.#windows.get(key) ?? 0) + delta);
    for (const key of parts.slots ?? []) {
      const lease = this.#leases.get(key)?.pop();
      // None held: given back already, or taken while Redis was away (the fallback keeps those).
      if (lease === undefined) continue;
      this.#leasesHeld--;
      const given = this.#slots.get(key);
      if (given === undefined) this.#slots.set(key, [lease]);
      else given.push(lease);
    }
    for (const [key, delta] of parts.accounts ?? []) this.#accounts.set(key, (this.#accounts.get(key) ?? 0) + delta);
    const applied = new Promise<void>((resolve, reject) => this.#waiting.push({ resolve, reject }));
    if (parts.sendNow === true || this.#waiting.length >= this.#maxSettlements) this.#sendSettlements();
    else this.#settlementTimer ??= setTimeout(() => this.#sendSettlements(), this.#settlementDelayMs).unref();
    return applied;
  }

  /** A name for a new lease, unique across instances. */
  leaseName(): string {
    return `${this.#instance}:${this.#nextLease++}`;
  }

  /** A lease a charge took (it went through): this instance renews it until a settlement gives it back. */
  leaseTaken(key: string, lease: string): void {
    const held = this.#leases.get(key);
    if (held === undefined) this.#leases.set(key, [lease]);
    else held.push(lease);
    this.#leasesHeld++;
    // A third of the lease: two renewals may be lost before another instance may drop this one's slots.
    this.#heartbeat ??= setInterval(() => this.#renewLeases(), this.slotLeaseMs / 3).unref();
  }

  /** Gives back every lease still held (requests cut at the drain's deadline), sends every waiting settlement and waits for all. */
  async close(): Promise<void> {
    const stillHeld: string[] = [];
    for (const [key, leases] of this.#leases) for (let index = 0; index < leases.length; index++) stillHeld.push(key);
    if (stillHeld.length > 0) void this.settle({ slots: stillHeld }).catch(() => undefined);
    this.#sendSettlements();
    await Promise.allSettled([...this.#inFlight]);
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  #renewLeases(): void {
    if (this.#leasesHeld === 0) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
      return;
    }
    const keys: string[] = [];
    const args: Array<string | number> = [this.slotLeaseMs];
    for (const [key, leases] of this.#leases) {
      if (leases.length === 0) {
        this.#leases.delete(key);
        continue;
      }
      keys.push(key);
      args.push(leases.length, ...leases);
    }
    // A lost renewal is made up by the next one, a third of a lease later.
    this.#renew(keys, args).catch(() => undefined);
  }

  #sendAdmissions(): void {
    this.#admissionScheduled = false;
    const items = this.#items;
    this.#items = [];
    for (let start = 0; start < items.length; start += maxItemsPerCall) {
      const chunk = items.slice(start, start + maxItemsPerCall);
      const keys: string[] = [];
      const args: Array<string | number> = [];
      for (const item of chunk) {
        for (const key of item.keys) keys.push(key);
        for (const arg of item.args) args.push(arg);
      }
      this.#admit(keys, args).then(
        (answers) => chunk.forEach((item, index) => item.resolve((answers as unknown[][])[index]!)),
        (error: unknown) => chunk.forEach((item) => item.reject(error)),
      );
    }
  }

  #sendSettlements(): void {
    clearTimeout(this.#settlementTimer);
    this.#settlementTimer = undefined;
    const waiting = this.#waiting;
    if (waiting.length === 0) return;
    const windows = this.#windows;
    const slots = this.#slots;
    const accounts = this.#accounts;
    this.#waiting = [];
    this.#windows = new Map();
    this.#slots = new Map();
    this.#accounts = new Map();
    const keys: string[] = [];
    const args: Array<string | number> = [0, 0];
    for (const [key, delta] of windows) {
      if (delta === 0) continue;
      keys.push(key);
      args.push(delta);
    }
    args[0] = keys.length;
    for (const [key, leases] of slots) {
      keys.push(key);
      args.push(leases.length, ...leases);
    }
    args[1] = keys.length - Number(args[0]);
    for (const [key, delta] of accounts) {
      if (delta === 0) continue;
      keys.push(key);
      args.push(delta);
    }
    const sent: Promise<void> = (keys.length === 0 ? Promise.resolve() : this.#settle(keys, args)).then(
      () => {
        for (const each of waiting) each.resolve();
      },
      // Leases not given back expire by themselves: this instance no longer renews them.
      (error: unknown) => {
        for (const each of waiting) each.reject(error);
      },
    );
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }
}
