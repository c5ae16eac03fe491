import { createParser } from 'eventsource-parser';

export interface SseEvent {
  event: string | undefined;
  data: string;
  id?: string | undefined;
}

export interface SseDecoder {
  push(chunk: Uint8Array): void;
  /** Flushes what is pending at the end of the stream (a split character, an event ended by a lone CR). */
  end(): void;
}

/**
 * Decodes Server-Sent Events once, for every provider. A streaming TextDecoder keeps multi-byte UTF-8
 * characters split across chunks intact; eventsource-parser handles events split at any offset and
 * CR / LF / CRLF line endings.
 */
export function createSseDecoder(onEvent: (event: SseEvent) => void): SseDecoder {
  const textDecoder = new TextDecoder('utf-8');
  const parser = createParser({
    onEvent: (message) => onEvent({ event: message.event, data: message.data, id: message.id }),
  });
  return {
    push(chunk) {
      parser.feed(textDecoder.decode(chunk, { stream: true }));
    },
    end() {
      const rest = textDecoder.decode();
      if (rest.length > 0) parser.feed(rest);
      // A final lone CR may still be waiting to see whether an LF follows. The stream is over, so end the
      // line; after a normal ending this extra blank line carries no data and dispatches nothing.
      parser.feed('\n');
    },
  };
}

/** Encodes one event; multi-line data becomes several `data:` lines, as the format requires. */
export function encodeSseEvent(event: { event?: string | undefined; data: string }): string {
  const name = event.event === undefined ? '' : `event: ${event.event}\n`;
  return `${name}data: ${event.data.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}
