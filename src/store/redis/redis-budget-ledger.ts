import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from '../../policy/budget-ledger.js';
import { defineScript, type RedisScript } from './redis-script.js';

/** Amounts are kept as integer nano-dollars: exact sums, no float drift in Redis. */
const nanos = (usd: number) => Math.round(usd * 1e9);
const dollars = (value: number) => value / 1e9;

/**
 * Reserve on every account if none would pass its hard cap, atomically. KEYS = accounts, then the
 * reservation key. ARGV = amount, reservation lifetime ms, then per account: hard cap (-1 = none), soft cap
 * (-1 = none). Returns {0, index} when an account is not loaded yet, {-1, index, spent} when refused, and
 * {1, soft flags…} when reserved.
 */
const reserveScript = `
local accounts = #KEYS - 1
local amount = tonumber(ARGV[1])
for index = 1, accounts do
  if redis.call('EXISTS', KEYS[index]) == 0 then return {0, index} end
end
for index = 1, accounts do
  local spent = tonumber(redis.call('GET', KEYS[index]))
  local hard = tonumber(ARGV[1 + index * 2])
  if hard >= 0 and spent + amount > hard then return {-1, index, spent} end
end
local result = {1}
for index = 1, accounts do
  local spent = redis.call('INCRBY', KEYS[index], amount)
  local soft = tonumber(ARGV[2 + index * 2])
  result[index + 1] = (soft >= 0 and spent > soft) and 1 or 0
  redis.call('RPUSH', KEYS[#KEYS], KEYS[index])
end
redis.call('RPUSH', KEYS[#KEYS], amount)
redis.call('PEXPIRE', KEYS[#KEYS], tonumber(ARGV[2]))
return result
`;

/** Replace a reservation by the actual amount (ARGV[1]) on each of its accounts, once. */
const settleScript = `
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
if #entries == 0 then return 0 end
redis.call('DEL', KEYS[1])
local reserved = tonumber(entries[#entries])
local delta = tonumber(ARGV[1]) - reserved
for index = 1, #entries - 1 do
  if redis.call('EXISTS', entries[index]) == 1 then redis.call('INCRBY', entries[index], delta) end
end
return 1
`;

/** A reservation left by an instance that died is given up after this long. */
const reservationLifetimeMs = 60 * 60_000;

/** The shared ledger: every instance reserves against the same Redis accounts. */
export class RedisBudgetLedger implements BudgetLedger {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #loadBaseline: (charge: BudgetCharge) => Promise<number>;
  readonly #reserve: RedisScript;
  readonly #settle: RedisScript;

  constructor(options: { redis: Redis; loadBaseline: (charge: BudgetCharge) => Promise<number>; prefix?: string }) {
    this.#redis = options.redis;
    this.#loadBaseline = options.loadBaseline;
    this.#prefix = options.prefix ?? 'sluice:budget:';
    this.#reserve = defineScript(options.redis, 'sluiceBudgetReserve', reserveScript);
    this.#settle = defineScript(options.redis, 'sluiceBudgetSettle', settleScript);
  }

  async reserve(charges: BudgetCharge[], amountUsd: number): Promise<ReserveOutcome> {
    const reservationId = randomUUID();
    const keys = [...charges.map((charge) => this.#prefix + charge.account), `${this.#prefix}reservation:${reservationId}`];
    const args = [nanos(amountUsd), reservationLifetimeMs, ...charges.flatMap((charge) => [charge.hardUsd === undefined ? -1 : nanos(charge.hardUsd), charge.softUsd === undefined ? -1 : nanos(charge.softUsd)])];
    // Each pass either answers or loads one account not yet used anywhere; another instance may race us to it.
    for (let attempt = 0; attempt <= charges.length + 1; attempt++) {
      const result = (await this.#reserve(keys, args)) as number[];
      if (result[0] === 1) {
        const softCapReached = charges.filter((_, index) => result[index + 1] === 1).map((charge) => charge.account);
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
    await this.#settle([`${this.#prefix}reservation:${reservationId}`], [nanos(actualUsd)]);
  }

  async release(reservationId: string): Promise<void> {
    await this.settle(reservationId, 0);
  }

  async spent(account: string): Promise<number> {
    return dollars(Number((await this.#redis.get(this.#prefix + account)) ?? 0));
  }
}
