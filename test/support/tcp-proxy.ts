import * as net from 'node:net';

/**
 * A TCP proxy on loopback between the code under test and a server (PostgreSQL), so a test
 * can take the server away from that code alone: `cut` resets every connection and refuses
 * new ones, `restore` listens again on the same port. `cutOnClientBytes` cuts the moment
 * the client sends bytes containing a marker (a statement's text), before they reach the
 * server: the connection drops in the middle of a request, at a chosen statement.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  private marker: { text: string; cut: () => void } | null = null;

  private constructor(
    private readonly target: { readonly host: string; readonly port: number },
    private listenPort = 0,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen();
    return proxy;
  }

  get port(): number {
    return this.listenPort;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.sockets.size / 2;
  }

  /** Every connection reset; nothing listens on the port until `restore`. */
  async cut(): Promise<void> {
    this.marker = null;
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Resolves once a client sent `text` and the proxy cut everything in answer. */
  cutOnClientBytes(text: string): Promise<void> {
    return new Promise((resolve) => {
      this.marker = { text, cut: () => void this.cut().then(resolve) };
    });
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => this.pipe(client));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.listenPort, host: '127.0.0.1' }, () => {
        this.listenPort = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect(this.target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const marker = this.marker;
      if (marker && chunk.includes(marker.text)) {
        marker.cut();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
  }
}
