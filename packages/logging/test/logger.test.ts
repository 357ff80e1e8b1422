import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Writable } from "node:stream";
import { createLogger } from "../src/index.ts";

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe("createLogger", () => {
  it("redacts secrets, signature headers and bodies wherever they are logged", () => {
    const sink = captureLines();
    const logger = createLogger({ service: "test", destination: sink.stream });

    logger.info(
      {
        source: "stripe",
        secret: "whsec_top",
        config: { secrets: ["a", "b"], apiKey: "sk_live_x" },
        req: { headers: { "stripe-signature": "t=1,v1=abc", "content-type": "application/json" }, body: '{"card":1}' },
      },
      "rejected",
    );

    const [line] = sink.lines();
    assert.ok(line);
    const text = JSON.stringify(line);
    for (const secret of ["whsec_top", "sk_live_x", "t=1,v1=abc", "card"]) {
      assert.ok(!text.includes(secret), `log line leaks ${secret}: ${text}`);
    }
    assert.equal(line.source, "stripe");
    assert.equal(line.service, "test");
    assert.deepEqual((line.req as { headers: Record<string, string> }).headers["content-type"], "application/json");
  });
});
