import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { providerModule } from "@hooklog/providers";
import { secretEnvVar } from "@hooklog/sources";
import { uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { startIngestProcess } from "./ingest-process.ts";

/** Sends `request` and reads until the server closes; what arrived, even if the close was a reset. */
function send(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => resolve(received));
    // write, not end: the sender waits for the answer with its side open, as HTTP clients do.
    socket.on("connect", () => socket.write(request));
  });
}

// Ingest in a process of its own, as in production: in the test's own process the body is read
// before the answer is written, and the race below never shows.
describe("an answer given before the body is read reaches the sender", () => {
  let ingest: ServiceProcess;
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "hooklog-early-answers-"));
    const name = uniqueName("early");
    const configPath = join(directory, "hooklog.config.json");
    await writeFile(configPath, JSON.stringify({ sources: { [name]: { provider: "stripe", topic: uniqueName("webhooks.early") } } }));
    ingest = await startIngestProcess(configPath, { [secretEnvVar(name)]: providerModule("stripe").newSecret() });
  });

  after(async () => {
    await ingest?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  for (const [what, head] of [
    ["an unknown source, HTTP/1.1 with Connection: close", "POST /webhooks/no-such-source HTTP/1.1\r\nHost: hooklog\r\nConnection: close"],
    ["another method than POST, HTTP/1.0", "PUT /webhooks/no-such-source HTTP/1.0\r\nHost: hooklog"],
  ] as const) {
    it(`answers every one of 20 requests with a 4 MiB body (${what}): none is lost to a reset`, async () => {
      const body = "x".repeat(4 * 1024 * 1024);
      const request = `${head}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

      const answers: string[] = [];
      for (let attempt = 0; attempt < 20; attempt += 1) answers.push((await send(ingest.port, request)).split("\r\n", 1)[0] ?? "");

      assert.deepEqual(
        answers.filter((line) => !/^HTTP\/1\.[01] 40[45] /.test(line)),
        [],
        "answers lost",
      );
    });
  }
});
