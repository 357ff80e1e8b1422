import { strict as assert } from "node:assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { providerModule } from "@hooklog/providers";
import { runCli } from "./cli-process.ts";

const config = (): string => {
  const folder = mkdtempSync(join(tmpdir(), "hooklog-secrets-"));
  writeFileSync(join(folder, "sources.yaml"), "sources:\n  payments:\n    provider: stripe\n");
  return join(folder, "sources.yaml");
};

interface Rotation {
  source: string;
  variable: string;
  secret: string;
  environmentLine: string;
  steps: string[];
}

describe("hooklog secrets rotate", () => {
  it("prints a new secret in the provider's form and the line that holds it before the current one, which ingest's verifier takes both of", async () => {
    const current = providerModule("stripe").newSecret();
    const run = await runCli(["secrets", "rotate", "payments", "--json"], {
      HOOKLOG_CONFIG: config(),
      PAYMENTS_WEBHOOK_SECRET: current,
      HOOKLOG_STATE_DIR: mkdtempSync(join(tmpdir(), "hooklog-state-")),
    });
    assert.equal(run.code, 0, run.stderr);
    const rotation = JSON.parse(run.stdout) as Rotation;
    assert.match(rotation.secret, /^whsec_[0-9a-f]{48}$/);
    assert.notEqual(rotation.secret, current);
    assert.equal(rotation.variable, "PAYMENTS_WEBHOOK_SECRET");
    assert.equal(rotation.environmentLine, `PAYMENTS_WEBHOOK_SECRET=${rotation.secret},${current}`);
    assert.equal(rotation.steps.length, 3);

    // What the line sets is what ingest verifies with: deliveries signed with either secret pass.
    const verifier = providerModule("stripe").createVerifier({ secrets: [rotation.secret, current], toleranceSeconds: 300 });
    for (const secret of [rotation.secret, current]) {
      const delivery = await providerModule("stripe").sampleDelivery("invoice.paid", { secret });
      const result = verifier.verify({ rawBody: delivery.rawBody, headers: delivery.headers });
      assert.equal(result.ok, true, `signed with secret ${secret === current ? "current" : "new"}`);
    }
  });

  it("without a current secret, the line keeps the place of the one ingest uses, and says so", async () => {
    const run = await runCli(["secrets", "rotate", "payments", "--json"], {
      HOOKLOG_CONFIG: config(),
      HOOKLOG_STATE_DIR: mkdtempSync(join(tmpdir(), "hooklog-state-")),
    });
    assert.equal(run.code, 0, run.stderr);
    const rotation = JSON.parse(run.stdout) as Rotation & { currentKnown: boolean };
    // The new secret alone would make ingest refuse the sender until it switches.
    assert.equal(rotation.environmentLine, `PAYMENTS_WEBHOOK_SECRET=${rotation.secret},<current secret>`);
    assert.equal(rotation.currentKnown, false);
    assert.match(run.stderr, /no current secret of payments is known here/);
  });

  it("keeps every current development secret, without printing any of a malformed file", async () => {
    const state = mkdtempSync(join(tmpdir(), "hooklog-state-"));
    writeFileSync(join(state, "dev-secrets.json"), JSON.stringify({ PAYMENTS_WEBHOOK_SECRET: "whsec_aaa,whsec_bbb" }));
    const run = await runCli(["secrets", "rotate", "payments", "--json"], { HOOKLOG_CONFIG: config(), HOOKLOG_STATE_DIR: state });
    const rotation = JSON.parse(run.stdout) as Rotation;
    assert.equal(rotation.environmentLine, `PAYMENTS_WEBHOOK_SECRET=${rotation.secret},whsec_aaa,whsec_bbb`);

    writeFileSync(join(state, "dev-secrets.json"), '{"PAYMENTS_WEBHOOK_SECRET": whsec_0123456789abcdef}');
    const broken = await runCli(["secrets", "rotate", "payments"], { HOOKLOG_CONFIG: config(), HOOKLOG_STATE_DIR: state });
    assert.equal(broken.code, 1);
    assert.doesNotMatch(broken.stderr, /whsec_0123/);
    assert.match(broken.stderr, /dev-secrets\.json is not valid JSON/);
  });

  it("exits 2 naming the sources for one that does not exist", async () => {
    const run = await runCli(["secrets", "rotate", "nosuch"], { HOOKLOG_CONFIG: config() });
    assert.equal(run.code, 2);
    assert.deepEqual(run.stderr.trim().split("\n"), ['hooklog: no source named "nosuch"', "hooklog: what to do: use one of payments (hooklog.config.yaml)"]);
  });
});
