import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "@hooklog/testkit";

type Mode = "refuse" | "answer-503" | "forward";

const UNAVAILABLE_BODY = JSON.stringify({ error_code: 50301, message: "relay: registry unavailable" });
const UNAVAILABLE_RESPONSE = [
  "HTTP/1.1 503 Service Unavailable",
  "content-type: application/vnd.schemaregistry.v1+json",
  `content-length: ${Buffer.byteLength(UNAVAILABLE_BODY)}`,
  "connection: close",
  "",
  UNAVAILABLE_BODY,
].join("\r\n");

/**
 * A TCP relay in front of the real schema registry, which a test switches between refusing
 * connections (listener closed, open connections destroyed), answering every request 503, and
 * forwarding byte for byte. Consumers reach the registry through `url`.
 */
export class RegistryRelay {
  readonly url: string;
  /** Requests answered 503 so far: shows the consumer did ask while the registry was "down". */
  answered503 = 0;
  readonly #port: number;
  readonly #target: URL;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #mode: Mode = "refuse";

  private constructor(port: number, target: URL) {
    this.#port = port;
    this.#target = target;
    this.url = `http://127.0.0.1:${port}${target.pathname}`;
  }

  /** A relay to `registryUrl`, refusing until told otherwise. */
  static async start(registryUrl: string): Promise<RegistryRelay> {
    return new RegistryRelay(await freePort(), new URL(registryUrl));
  }

  async refuse(): Promise<void> {
    this.#mode = "refuse";
    await this.#closeListener();
  }

  async answer503(): Promise<void> {
    await this.#switchTo("answer-503");
  }

  async forward(): Promise<void> {
    await this.#switchTo("forward");
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  async #switchTo(mode: Mode): Promise<void> {
    this.#mode = mode;
    // Connections kept alive from the mode before must not carry on in it.
    this.#destroySockets();
    if (this.#server) return;
    const server = createServer((client) => this.#accept(client));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
  }

  #accept(client: Socket): void {
    this.#track(client);
    // A client that goes away mid-request is the consumer's business, not the relay's.
    client.on("error", () => client.destroy());
    if (this.#mode === "answer-503") {
      client.once("data", () => {
        this.answered503 += 1;
        client.end(UNAVAILABLE_RESPONSE);
      });
      return;
    }
    const upstream = connect(Number(this.#target.port), this.#target.hostname);
    this.#track(upstream);
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }

  #destroySockets(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async #closeListener(): Promise<void> {
    this.#destroySockets();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
