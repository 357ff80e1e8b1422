import { TcpRelay } from "@hooklog/testkit";

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
 * The real schema registry behind a relay (testkit's TcpRelay), which a test switches between
 * refusing connections, answering every request 503, and forwarding byte for byte. Consumers reach
 * the registry through `url`.
 */
export class RegistryRelay {
  readonly url: string;
  readonly #relay: TcpRelay;

  private constructor(relay: TcpRelay, target: URL) {
    this.#relay = relay;
    this.url = `http://127.0.0.1:${relay.port}${target.pathname}`;
  }

  /** A relay to `registryUrl`, refusing until told otherwise. */
  static async start(registryUrl: string): Promise<RegistryRelay> {
    const target = new URL(registryUrl);
    return new RegistryRelay(await TcpRelay.open({ host: target.hostname, port: Number(target.port) }, "refuse"), target);
  }

  /** Requests answered 503 so far: shows the consumer did ask while the registry was "down". */
  get answered503(): number {
    return this.#relay.answered;
  }

  refuse = (): Promise<void> => this.#relay.set("refuse");
  answer503 = (): Promise<void> => this.#relay.set("answer", UNAVAILABLE_RESPONSE);
  forward = (): Promise<void> => this.#relay.set("forward");
  close = (): Promise<void> => this.#relay.close();
}
