import type { Redis } from 'ioredis';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from '../../policy/budget-ledger.js';
import { RedisCommandBatches } from './redis-command-batches.js';

/** Amounts are kept as integer nano-dollars: exact sums, no float drift in Redis. */
const nanos = (usd: number) => Math.round(usd * 1e9);
const dollars = (value: number) => value / 1e9;

/** What a reservation took, kept here until it is settled: the accounts (their Redis keys) and the amount. */
interface Reservation {
  keys: string[];
  amount: number;
}

/**
 * The shared ledger: every instance reserves against the same Redis accounts. A reservation is an item of the
 * admission script (`redis-admission-script.ts`), sent with the same turn's limit charges; what it took is
 * remembered in process, and settling sends the difference to each account with the next settlement batch
 * (`redis-command-batches.ts`). A reservation of an instance that died stays counted until the period ends,
 * as it did when reservations were kept in Redis (the amount was never given back there either).
 */
export class RedisBudgetLedger implements BudgetLedger {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #loadBaseline: (charge: BudgetCharge) => Promise<number>;
  readonly #batches: RedisCommandBatches;
  readonly #reservations = new Map<string, Reservation>();
  #nextReservation = 0;

  constructor(options: { redis: Redis; loadBaseline: (charge: BudgetCharge) => Promise<number>; prefix?: string; batches?: RedisCommandBatches }) {
    this.#redis = options.redis;
    this.#loadBaseline = options.loadBaseline;
    this.#prefix = options.prefix ?? 'sluice:budget:';
    this.#batches = options.batches ?? new RedisCommandBatches(options.redis);
  }

  async reserve(charges: BudgetCharge[], amountUsd: number): Promise<ReserveOutcome> {
    const keys = charges.map((charge) => this.#prefix + charge.account);
    const amount = nanos(amountUsd);
    const args: Array<string | number> = ['r', amount, charges.length];
    for (const charge of charges) args.push(charge.hardUsd === undefined ? -1 : nanos(charge.hardUsd), charge.softUsd === undefined ? -1 : nanos(charge.softUsd));
    // Each pass either answers or loads one account not yet used anywhere; another instance may race us to it.
    for (let attempt = 0; attempt <= charges.length + 1; attempt++) {
      const result = (await this.#batches.admit({ keys, args })) as number[];
      if (result[0] === 1) {
        const softCapReached = charges.filter((_, index) => result[index + 1] === 1).map((charge) => charge.account);
        const reservationId = String(this.#nextReservation++);
        this.#reservations.set(reservationId, { keys, amount });
        return { admitted: true, reservationId, softCapReached };
      }
      const charge = charges[Number(result[1]) - 1]!;
      if (result[0] === -1) return { admitted: false, refusedAccount: charge.account, spentUsd: dollars(Number(result[2])) };
      // First use of this account anywhere: start it from what the store has, unless another instance just did.
      const baseline = await this.#loadBaseline(charge);
      await this.#redis.set(this.#prefix + charge.account, nanos(baseline), 'PXAT', charge.periodEnd + 86_400_000, 'NX');
    }
    throw new Error('budget account could not be initialised');
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return;
    this.#reservations.delete(reservationId);
    const delta = nanos(actualUsd) - reservation.amount;
    if (delta === 0) return;
    await this.#batches.settle({ accounts: reservation.keys.map((key) => [key, delta] as const) });
  }

  async release(reservationId: string): Promise<void> {
    await this.settle(reservationId, 0);
  }

  async spent(account: string): Promise<number> {
    return dollars(Number((await this.#redis.get(this.#prefix + account)) ?? 0));
  }
}
