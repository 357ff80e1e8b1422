import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./service-process.ts";

export type RelayMode = "forward" | "refuse" | "hang" | "answer";

/**
 * A TCP relay in front of a real server (Postgres, the registry), for outage tests: `forward` passes
 * bytes both ways; `refuse` closes the listener and every open connection, so connecting fails;
 * `hang` takes connections and never answers (and cuts the open ones); `answer` replies to each
 * connection's first bytes with a canned response (an HTTP 503, say) and closes it.
 */
export class TcpRelay {
  readonly port: number;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #mode: RelayMode = "refuse";
  #response = "";
  /** Connections answered in `answer` mode so far. */
  answered = 0;

  private constructor(port: number, target: { host: string; port: number }) {
    this.port = port;
    this.#target = target;
  }

  static async open(target: { host: string; port: number }, mode: RelayMode = "forward"): Promise<TcpRelay> {
    const relay = new TcpRelay(await freePort(), target);
    await relay.set(mode);
    return relay;
  }

  get mode(): RelayMode {
    return this.#mode;
  }

  /** `response`: what `answer` mode replies. */
  async set(mode: RelayMode, response = ""): Promise<void> {
    // Connections kept alive from the mode before must not carry on in it.
    this.#cutAll();
    this.#mode = mode;
    this.#response = response;
    if (mode === "refuse") await this.#stopListening();
    else await this.#listen();
  }

  async close(): Promise<void> {
    this.#cutAll();
    await this.#stopListening();
  }

  #cutAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  async #listen(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      this.#track(client);
      client.on("error", () => client.destroy());
      if (this.#mode === "hang") return;
      if (this.#mode === "answer") {
        client.once("data", () => {
          this.answered += 1;
          client.end(this.#response);
        });
        return;
      }
      const upstream = connect(this.#target.port, this.#target.host);
      this.#track(upstream);
      upstream.on("error", () => client.destroy());
      client.once("close", () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
  }

  async #stopListening(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
