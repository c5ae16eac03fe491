import type { GatewayServices } from '../gateway-services.js';

/**
 * The services new requests are served with. A config reload swaps `current` in one assignment; a request
 * reads it once when its handler starts and keeps that object to its end, so a call in flight finishes on
 * the config it started with while the next call already sees the new one.
 */
export class ServicesHolder {
  #current: GatewayServices;

  constructor(initial: GatewayServices) {
    this.#current = initial;
  }

  get current(): GatewayServices {
    return this.#current;
  }

  /** Installs `next` and returns what it replaced. */
  swap(next: GatewayServices): GatewayServices {
    const previous = this.#current;
    this.#current = next;
    return previous;
  }
}
