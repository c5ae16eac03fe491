import type { ServerResponse } from 'node:http';
import { pause } from './pause.js';

export interface StreamPacing {
  chunkDelayMs?: number;
  dropAfterEvents?: number;
}

/** How a stream ended: written whole, cut by the server on purpose, or abandoned because the client left. */
export type StreamOutcome = 'completed' | 'dropped' | 'client-gone';

/**
 * Writes SSE frames one at a time, honouring backpressure and pacing. `dropAfterEvents` destroys the socket
 * mid-stream, as when a provider dies: the client sees a reset or a premature end, never a clean finish.
 */
export async function sendEvents(
  response: ServerResponse,
  events: string[],
  headers: Record<string, string>,
  pacing: StreamPacing,
  onDrop: () => void,
): Promise<StreamOutcome> {
  response.writeHead(200, headers);
  const dropAt = pacing.dropAfterEvents;
  if (dropAt !== undefined && dropAt <= 0) {
    response.flushHeaders();
    await new Promise((resolve) => setImmediate(resolve));
    return cut(response, onDrop);
  }
  for (const [index, event] of events.entries()) {
    if (index > 0 && pacing.chunkDelayMs) await pause(pacing.chunkDelayMs, response);
    if (response.closed) return 'client-gone';
    const last = dropAt !== undefined && index === dropAt - 1;
    // Before a drop, wait until the frame is handed to the socket, so the client gets it before the cut.
    if (last) await writeAndFlush(response, event);
    else if (!response.write(event)) await drainOrClose(response);
    if (last) return cut(response, onDrop);
  }
  if (response.closed) return 'client-gone';
  response.end();
  return 'completed';
}

function cut(response: ServerResponse, onDrop: () => void): StreamOutcome {
  if (response.closed) return 'client-gone';
  onDrop();
  response.socket?.destroy();
  return 'dropped';
}

function writeAndFlush(response: ServerResponse, event: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('close', done);
      resolve();
    };
    response.on('close', done);
    response.write(event, done);
  });
}

/** Resolves when the client can take more, or has gone; leaves no listener behind either way. */
function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
