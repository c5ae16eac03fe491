import { randomUUID } from 'node:crypto';
import type { BudgetCharge, BudgetLedger, ReserveOutcome } from './budget-ledger.js';

interface Reservation {
  accounts: string[];
  amountUsd: number;
}

/**
 * The embedded ledger. An account starts from what the store says was already spent in its period (loaded
 * once, on first use) and is then kept in memory.
 */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly #spent = new Map<string, number>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #loadBaseline: (charge: BudgetCharge) => Promise<number>;

  constructor(loadBaseline: (charge: BudgetCharge) => Promise<number>) {
    this.#loadBaseline = loadBaseline;
  }

  async reserve(charges: BudgetCharge[], amountUsd: number): Promise<ReserveOutcome> {
    // An account already loaded costs no await: each would be a turn of the microtask queue per budget.
    for (const charge of charges) if (!this.#spent.has(charge.account)) await this.#ensureLoaded(charge);
    // Check and apply with no await in between: atomic within this process.
    for (const charge of charges) {
      const spent = this.#spent.get(charge.account) ?? 0;
      if (charge.hardUsd !== undefined && spent + amountUsd > charge.hardUsd) {
        return { admitted: false, refusedAccount: charge.account, spentUsd: spent };
      }
    }
    const softCapReached: string[] = [];
    for (const charge of charges) {
      const spent = (this.#spent.get(charge.account) ?? 0) + amountUsd;
      this.#spent.set(charge.account, spent);
      if (charge.softUsd !== undefined && spent > charge.softUsd) softCapReached.push(charge.account);
    }
    const reservationId = randomUUID();
    this.#reservations.set(reservationId, { accounts: charges.map((charge) => charge.account), amountUsd });
    return { admitted: true, reservationId, softCapReached };
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    this.#close(reservationId, actualUsd);
  }

  async release(reservationId: string): Promise<void> {
    this.#close(reservationId, 0);
  }

  async spent(account: string): Promise<number> {
    return this.#spent.get(account) ?? 0;
  }

  /** Outstanding reservations, for tests and /readyz-style introspection. */
  get openReservations(): number {
    return this.#reservations.size;
  }

  #close(reservationId: string, actualUsd: number): void {
    const reservation = this.#reservations.get(reservationId);
    if (!reservation) return;
    this.#reservations.delete(reservationId);
    for (const account of reservation.accounts) {
      this.#spent.set(account, Math.max(0, (this.#spent.get(account) ?? 0) - reservation.amountUsd + actualUsd));
    }
  }

  async #ensureLoaded(charge: BudgetCharge): Promise<void> {
    if (this.#spent.has(charge.account)) return;
    const baseline = await this.#loadBaseline(charge);
    // Another request may have loaded it while we waited.
    if (!this.#spent.has(charge.account)) this.#spent.set(charge.account, baseline);
  }
}
