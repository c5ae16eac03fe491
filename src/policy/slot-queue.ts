/** Says when the caller has gone: the proxy's `ClientAbort` (an EventEmitter, as undici takes it). */
export interface AbortNotice {
  readonly aborted: boolean;
  once(event: 'abort', listener: () => void): unknown;
  off(event: 'abort', listener: () => void): unknown;
}

/** What a queued request is told: try the slot now, or give up. */
export type Turn = 'turn' | 'timeout' | 'aborted';

/** How often the head of a queue asks again when slots are given back where it cannot hear it (other instances). */
export interface RecheckInterval {
  firstMs: number;
  maxMs: number;
}

/** At most this many requests wait for one concurrency counter in one process; the next is refused at once. */
export const maxWaitersPerCounter = 256;

interface Room {
  readonly counter: string;
  /** First come, first served: only the first may try the slot. */
  readonly waiters: SlotWaiter[];
  /** Reasons for the head to try again (slots given back, a check passed on, a recheck) not yet used. */
  credits: number;
  recheckTimer: NodeJS.Timeout | undefined;
  recheckDelayMs: number;
}

/**
 * Requests waiting, in arrival order, for a concurrency slot of one counter (`concurrency:key:…`), per
 * process. Only the head of a queue ever tries the slot, so nobody behind it can take a slot first, and at
 * most one charge per counter is in flight for its waiters. The head tries when a slot is given back on this
 * instance (`released`), once when it becomes head (another may have been freed meanwhile), and, with
 * `recheck`, at growing intervals for slots given back by other instances, which this one cannot hear.
 */
export class SlotQueue {
  readonly #rooms = new Map<string, Room>();
  readonly #maxWaiters: number;
  readonly #recheck: RecheckInterval | undefined;

  constructor(options: { maxWaiters?: number; recheck?: RecheckInterval | undefined } = {}) {
    this.#maxWaiters = options.maxWaiters ?? maxWaitersPerCounter;
    this.#recheck = options.recheck;
  }

  /** Whether requests wait for this counter here: a newcomer then queues behind them instead of trying first. */
  hasWaiters(counter: string): boolean {
    return this.#rooms.has(counter);
  }

  /** How many requests wait for this counter here. */
  waiting(counter: string): number {
    return this.#rooms.get(counter)?.waiters.length ?? 0;
  }

  /**
   * Joins the back of the queue for `counter`, for at most `waitMs`; undefined when the queue is full. The
   * waiter must `leave` whatever happens.
   */
  join(counter: string, options: { waitMs: number; signal?: AbortNotice | undefined }): SlotWaiter | undefined {
    let room = this.#rooms.get(counter);
    if (room === undefined) {
      // The first waiter checks at once: the slot it was refused may have been given back since.
      room = { counter, waiters: [], credits: 1, recheckTimer: undefined, recheckDelayMs: this.#recheck?.firstMs ?? 0 };
      this.#rooms.set(counter, room);
    } else if (room.waiters.length >= this.#maxWaiters) {
      return undefined;
    }
    const waiter = new SlotWaiter(this, room, options.waitMs, options.signal);
    room.waiters.push(waiter);
    this.dispatch(room);
    return waiter;
  }

  /** A slot of `counter` was given back on this instance: the head may try for it. */
  released(counter: string): void {
    const room = this.#rooms.get(counter);
    if (room === undefined) return;
    room.credits++;
    this.dispatch(room);
  }

  /** @internal Gives the head its turn if it is asleep and has a reason to try; otherwise arms the recheck. */
  dispatch(room: Room): void {
    const head = room.waiters[0];
    if (head === undefined || !head.sleeping) return;
    if (room.credits > 0) {
      room.credits--;
      this.#stopRecheck(room);
      head.grant();
      return;
    }
    if (this.#recheck === undefined || room.recheckTimer !== undefined) return;
    const delay = room.recheckDelayMs;
    room.recheckDelayMs = Math.min(delay * 2, this.#recheck.maxMs);
    room.recheckTimer = setTimeout(() => {
      room.recheckTimer = undefined;
      room.credits++;
      this.dispatch(room);
    }, delay);
  }

  /** @internal Takes a waiter out of its room; `passTurn` when it had a turn it did not use up. */
  remove(room: Room, waiter: SlotWaiter, passTurn: boolean): void {
    const index = room.waiters.indexOf(waiter);
    if (index === -1) return;
    room.waiters.splice(index, 1);
    if (passTurn) room.credits++;
    if (room.waiters.length === 0) {
      this.#stopRecheck(room);
      this.#rooms.delete(room.counter);
      return;
    }
    if (index === 0) {
      // A new head starts rechecking from the shortest interval.
      this.#stopRecheck(room);
      room.recheckDelayMs = this.#recheck?.firstMs ?? 0;
    }
    this.dispatch(room);
  }

  #stopRecheck(room: Room): void {
    if (room.recheckTimer === undefined) return;
    clearTimeout(room.recheckTimer);
    room.recheckTimer = undefined;
  }
}

/**
 * One request's place in a queue. `nextTurn` resolves when it should try the slot (it is then `trying`
 * until its next `nextTurn` or `leave`), or when it must give up: its time is up, or its caller has gone —
 * either of which takes it out of the queue at once.
 */
export class SlotWaiter {
  readonly #queue: SlotQueue;
  readonly #room: Room;
  readonly #signal: AbortNotice | undefined;
  readonly #deadline: NodeJS.Timeout;
  #state: 'sleeping' | 'trying' | 'gone' = 'sleeping';
  /** A turn granted before `nextTurn` was awaited. */
  #granted = false;
  #wake: ((turn: Turn) => void) | undefined;
  #ending: 'timeout' | 'aborted' | undefined;
  readonly #onAbort = () => this.#end('aborted');

  constructor(queue: SlotQueue, room: Room, waitMs: number, signal: AbortNotice | undefined) {
    this.#queue = queue;
    this.#room = room;
    this.#signal = signal;
    this.#deadline = setTimeout(() => this.#end('timeout'), waitMs);
    if (signal?.aborted) this.#ending = 'aborted';
    else signal?.once('abort', this.#onAbort);
  }

  /** @internal */
  get sleeping(): boolean {
    return this.#state === 'sleeping';
  }

  /** Resolves with 'turn' when this request should try the slot, or with why it must stop waiting. */
  nextTurn(): Promise<Turn> {
    if (this.#ending !== undefined) return Promise.resolve(this.#ending);
    if (this.#state === 'gone') return Promise.resolve('timeout');
    if (!this.#granted) {
      this.#state = 'sleeping';
      this.#queue.dispatch(this.#room);
    }
    if (this.#granted) {
      this.#granted = false;
      return Promise.resolve('turn');
    }
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Leaves the queue (idempotent). A turn it was given and did not end with a slot passes to the next. */
  leave(): void {
    if (this.#state === 'gone') return;
    const hadTurn = this.#state === 'trying';
    this.#close();
    // After a slot was taken too: the next in line checks once whether another one is free.
    this.#queue.remove(this.#room, this, hadTurn);
  }

  /** @internal It is this request's turn. */
  grant(): void {
    this.#state = 'trying';
    const wake = this.#wake;
    if (wake === undefined) {
      this.#granted = true;
      return;
    }
    this.#wake = undefined;
    wake('turn');
  }

  #end(reason: 'timeout' | 'aborted'): void {
    if (this.#state === 'gone' || this.#ending !== undefined) return;
    this.#ending = reason;
    // A request trying the slot finds out when its try comes back; one asleep leaves the queue now.
    if (this.#state !== 'sleeping') return;
    this.#close();
    this.#queue.remove(this.#room, this, false);
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.(reason);
  }

  #close(): void {
    this.#state = 'gone';
    this.#granted = false;
    clearTimeout(this.#deadline);
    this.#signal?.off('abort', this.#onAbort);
  }
}
