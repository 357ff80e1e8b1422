// What a destination's answer means for a delivery: delivered, retried (the destination down, or this
// delivery refused for now), or final; against a local HTTP server answering as told.
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { RetryLaterError } from "@hooklog/consumer-kit";
import type { RenderedDelivery } from "@hooklog/routes";
import { DeliveryError, deliver, isDestinationDown } from "../src/deliver.ts";

describe("deliver", () => {
  let server: Server;
  let base = "";
  const received: string[] = [];

  before(async () => {
    server = createServer((request, response) => {
      received.push(`${request.method} ${request.url}`);
      const status = Number(request.url?.slice(1));
      const headers: Record<string, string> = status === 302 ? { location: "https://elsewhere.test/" } : status === 429 ? { "retry-after": "3" } : {};
      request.resume();
      request.on("end", () => response.writeHead(status, headers).end(`answer ${status}`));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (status: number, redirectIsDelivery = false): RenderedDelivery => ({
    kind: "http",
    destination: "url",
    url: `${base}/${status}`,
    shownUrl: `${base}/${status}`,
    headers: { "content-type": "application/json" },
    secretHeaderNames: [],
    redirectIsDelivery,
    body: Buffer.from("{}"),
    timeoutMs: 5_000,
  });

  it("delivers on a 2xx, and keeps the answer's status and body", async () => {
    const answer = await deliver(post(201), undefined);
    assert.deepEqual([answer.status, answer.body], [201, "answer 201"]);
  });

  it("does not follow a redirect: a 3xx is final, unless the destination says a 3xx is its delivery", async () => {
    received.length = 0;
    await assert.rejects(
      deliver(post(302), undefined),
      (error: DeliveryError) => !error.retryable && !error.destinationDown && /redirects are not followed/.test(error.message),
    );
    assert.deepEqual(received, ["POST /302"], "nothing went to the Location");
    assert.equal((await deliver(post(302, true), undefined)).status, 302);
  });

  const failures: Array<[number, { retryable: boolean; down: boolean }]> = [
    [404, { retryable: false, down: false }],
    [400, { retryable: false, down: false }],
    [500, { retryable: true, down: false }],
    [502, { retryable: true, down: true }],
    [503, { retryable: true, down: true }],
    [504, { retryable: true, down: true }],
    [408, { retryable: true, down: true }],
  ];
  for (const [status, expected] of failures) {
    it(`answers ${status} with a ${expected.retryable ? "retryable" : "final"} failure${expected.down ? " that says the destination is down" : ""}`, async () => {
      await assert.rejects(deliver(post(status), undefined), (error: DeliveryError) => {
        assert.equal(error.code, `HTTP_${status}`);
        assert.equal(error.retryable, expected.retryable);
        assert.equal(isDestinationDown(error), expected.down);
        return true;
      });
    });
  }

  it("waits what a 429's Retry-After asks, and counts the destination as down", async () => {
    await assert.rejects(
      deliver(post(429), undefined),
      (error: RetryLaterError) => error instanceof RetryLaterError && error.retryAfterMs === 3_000 && isDestinationDown(error),
    );
  });

  it("counts an unreachable destination as down, and retries", async () => {
    const closed = { ...post(200), url: "http://127.0.0.1:9/", shownUrl: "http://127.0.0.1:9/" };
    await assert.rejects(deliver(closed, undefined), (error: DeliveryError) => error.code === "UNREACHABLE" && error.retryable && isDestinationDown(error));
  });
});
