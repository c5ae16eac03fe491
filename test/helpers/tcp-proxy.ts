import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** The local port clients connect to instead of the target's. */
  port: number;
  /** Connections accepted so far (to check a test really went through the proxy). */
  readonly accepted: number;
  /** A network cut: every open connection is reset, and new ones are reset as soon as they arrive. */
  cut(): void;
  /** Connections flow to the target again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy a test owns, in front of a real server (PostgreSQL), so the test can cut the network and
 * restore it while the gateway runs. It keeps listening during a cut and resets what arrives: the port
 * stays the test's, and a client sees the connection fail at once, as with a refused connection.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let accepted = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    // A reset is the point of a cut; it must not become an unhandled 'error' in the test process.
    socket.on('error', () => undefined);
  };
  const server = createServer((client) => {
    accepted++;
    track(client);
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    cut() {
      isCut = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      isCut = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
