import { strict as assert } from "node:assert";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { stripeDelivery, stripeEventBody, type Answer } from "./deliveries.ts";
import { COMPRESSED_BODY_LIMIT, startIngest, type IngestHarness } from "./harness.ts";

const MIB = 1024 * 1024;

/** Posts raw bytes with the given headers (fetch would not send a body it was not told is compressed as is). */
async function postBytes(baseUrl: string, source: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  const response = await fetch(`${baseUrl}/webhooks/${source}`, { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as unknown };
}

/**
 * The most this process's heap and buffers grew above where they stood while `work` ran, sampled
 * every millisecond: ingest runs in this process, so a body it inflates shows here.
 */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const held = () => {
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const base = held();
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, held());
  }, 1);
  try {
    const result = await work();
    peak = Math.max(peak, held());
    return { result, growthBytes: peak - base };
  } finally {
    clearInterval(sampler);
  }
}

describe("ingest takes bodies as providers send them: uncompressed, unless a source says otherwise", () => {
  let ingest: IngestHarness;
  // 25 MiB of zeros is 25 KB of gzip: what the largest limit would let one request inflate to.
  const bomb = gzipSync(Buffer.alloc(25 * MIB));

  before(async () => {
    ingest = await startIngest();
  });

  after(async () => {
    await ingest?.stop();
  });

  it("answers a gzip body 415 unsupported_encoding without inflating it, even on a source that takes 25 MiB", async () => {
    const { large } = ingest.sources;

    const { result: answer, growthBytes } = await peakGrowth(() =>
      postBytes(ingest.url, large.name, { "content-type": "application/json", "content-encoding": "gzip", "x-github-event": "push" }, bomb),
    );

    assert.equal(answer.status, 415);
    assert.deepEqual(answer.json, {
      error: { code: "unsupported_encoding", message: "Content-Encoding must be identity (uncompressed) for this source." },
    });
    assert.ok(growthBytes < 8 * MIB, `memory grew by ${(growthBytes / MIB).toFixed(1)} MiB while the request was answered`);
  });

  for (const [encoding, body] of [
    ["deflate", deflateSync(Buffer.from("{}"))],
    ["br", brotliCompressSync(Buffer.from("{}"))],
    ["gzip, identity", gzipSync(Buffer.from("{}"))],
    ["x-unknown", Buffer.from("{}")],
  ] as const) {
    it(`answers Content-Encoding: ${encoding} 415 unsupported_encoding`, async () => {
      const answer = await postBytes(ingest.url, ingest.sources.stripe.name, { "content-type": "application/json", "content-encoding": encoding }, body);

      assert.equal(answer.status, 415);
      assert.equal((answer.json as { error: { code: string } }).error.code, "unsupported_encoding");
    });
  }

  it("accepts Content-Encoding: identity as no encoding", async () => {
    const { stripe } = ingest.sources;
    const delivery = stripeDelivery(stripeEventBody().body, stripe.secrets[0] as string);

    const answer = await postBytes(ingest.url, stripe.name, { ...delivery.headers, "content-encoding": "identity" }, Buffer.from(delivery.body));

    assert.equal(answer.status, 202, answer.text);
  });

  it("accepts a signed gzip body on a source that opted in to gzip, and writes the inflated bytes", async () => {
    const { compressed } = ingest.sources;
    const delivery = stripeDelivery(stripeEventBody().body, compressed.secrets[0] as string);

    const answer = await postBytes(ingest.url, compressed.name, { ...delivery.headers, "content-encoding": "gzip" }, gzipSync(delivery.body));

    assert.equal(answer.status, 202, answer.text);
    const [record, ...more] = await ingest.readEnvelopes("compressed");
    assert.equal(more.length, 0);
    assert.equal(record?.envelope.payload.toString("utf8"), delivery.body);
  });

  it("answers 413 while inflating a gzip body past the opted-in source's limit, without holding what it inflated", async () => {
    const { compressed } = ingest.sources;

    const { result: answer, growthBytes } = await peakGrowth(() =>
      postBytes(ingest.url, compressed.name, { "content-type": "application/json", "content-encoding": "gzip" }, bomb),
    );

    assert.equal(answer.status, 413);
    assert.equal((answer.json as { error: { code: string } }).error.code, "body_too_large");
    assert.ok(growthBytes < 8 * MIB, `memory grew by ${(growthBytes / MIB).toFixed(1)} MiB for a ${COMPRESSED_BODY_LIMIT / 1024} KiB limit`);
  });
});
