import type { ServerResponse } from 'node:http';

/**
 * Waits, but wakes at once when the response closes (the client left, or the server is shutting down), so
 * no delay outlives its connection or keeps a stopping process alive.
 */
export function pause(milliseconds: number, response: ServerResponse): Promise<void> {
  if (milliseconds <= 0 || response.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      response.off('close', wake);
      resolve();
    };
    const timer = setTimeout(wake, milliseconds);
    response.on('close', wake);
  });
}
