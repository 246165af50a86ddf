import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) for the Fetch tests: no outside network.
 * Routes are small functions of the request; `requests` records what arrived.
 */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Route = (req: IncomingMessage, res: ServerResponse, body: string, url: URL) => void;

export class TestServer {
  readonly requests: Received[] = [];
  /** Responses whose connection closed before they finished (the client stopped reading). */
  readonly cutShort: string[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly routes: Record<string, Route>) {}

  /** `http://127.0.0.1:<port>` */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The same server under another host name (another origin). */
  get localhostOrigin(): string {
    return `http://localhost:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const url = new URL(req.url ?? "/", this.origin);
        this.requests.push({ method: req.method ?? "", url: url.pathname + url.search, headers: req.headers, body });
        res.on("close", () => {
          if (!res.writableFinished) this.cutShort.push(url.pathname);
        });
        const route = this.routes[url.pathname];
        if (!route) {
          res.writeHead(404, { "content-type": "text/plain" }).end("no such route");
          return;
        }
        route(req, res, body, url);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
