import { strict as assert } from "node:assert";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type AptRunner, type ChromiumMachine, DEBIAN_CHROMIUM, ensureChromium, planChromium } from "../src/chromium.ts";
import { InfraError } from "../src/errors.ts";

const ONE_LINE = "Chromium is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH";

interface FakeMachine extends ChromiumMachine {
  sudoAsked: number;
  /** What the fake apt-get "installs". */
  add(path: string): void;
}

function machine(facts: { files?: string[]; root?: boolean; sudo?: boolean; apt?: boolean }): FakeMachine {
  const files = new Set(facts.files ?? []);
  return {
    sudoAsked: 0,
    exists: (path) => files.has(path),
    isRoot: () => facts.root ?? false,
    hasPasswordlessSudo() {
      this.sudoAsked += 1;
      return facts.sudo ?? false;
    },
    hasAptGet: () => facts.apt ?? true,
    add: (path) => files.add(path),
  };
}

/** A fake apt-get: answers each call from `answers` in turn, writing its output to the log as apt would. */
function fakeApt(answers: Array<{ code: number; output?: string; installs?: () => void }>): AptRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (prefix: string[], args: string[], log: string): Promise<number> => {
    calls.push([...prefix, ...args]);
    const answer = answers.shift();
    assert.ok(answer, `apt-get was run once more than expected: ${args.join(" ")}`);
    appendFileSync(log, answer.output ?? "");
    answer.installs?.();
    return answer.code;
  };
  return Object.assign(run, { calls });
}

const folder = mkdtempSync(join(tmpdir(), "hooklog-chromium-"));
after(() => rmSync(folder, { recursive: true, force: true }));
const freshLog = (): string => join(mkdtempSync(join(folder, "run-")), "chromium-install.log");

describe("finding the Chromium the browser tests drive", () => {
  it("uses Debian's /usr/bin/chromium when it is there, asking nothing else of the machine", () => {
    const present = machine({ files: [DEBIAN_CHROMIUM], root: false, apt: false });
    assert.deepEqual(planChromium({}, present), { action: "use", executable: DEBIAN_CHROMIUM });
    assert.equal(present.sudoAsked, 0);
  });

  it("uses CHROMIUM_PATH when it names a file, even with Debian's installed", () => {
    const plan = planChromium({ CHROMIUM_PATH: "/opt/chromium/chrome" }, machine({ files: ["/opt/chromium/chrome", DEBIAN_CHROMIUM] }));
    assert.deepEqual(plan, { action: "use", executable: "/opt/chromium/chrome" });
  });

  it("installs Debian's chromium package when it is missing and we are root with apt-get", () => {
    assert.deepEqual(planChromium({}, machine({ root: true })), { action: "install", executable: DEBIAN_CHROMIUM, prefix: [] });
  });

  it("installs through sudo -n when we are not root but may sudo without a password", () => {
    assert.deepEqual(planChromium({}, machine({ root: false, sudo: true })), { action: "install", executable: DEBIAN_CHROMIUM, prefix: ["sudo", "-n"] });
  });

  for (const [situation, facts, env] of [
    ["neither root nor a passwordless sudo", { root: false, sudo: false }, {}],
    ["no apt-get on the machine", { root: true, apt: false }, {}],
    ["CHROMIUM_PATH naming nothing (Debian's is not installed over a choice)", { root: true }, { CHROMIUM_PATH: "/nowhere/chrome" }],
  ] as const) {
    it(`fails with the one line saying what to install when Chromium is missing with ${situation}`, () => {
      const plan = planChromium(env, machine(facts));
      assert.equal(plan.action, "fail");
      assert.ok(plan.action === "fail");
      assert.equal(plan.error.message, ONE_LINE);
      assert.equal(plan.error.code, "CHROMIUM_MISSING");
      assert.doesNotMatch(plan.error.message, /\n/);
      assert.doesNotMatch(plan.error.hint, /\n/);
    });
  }

  it("throws at once, before any install or stack start, when Chromium cannot be had", () => {
    const apt = fakeApt([]);
    assert.throws(
      () => ensureChromium({ env: {}, machine: machine({ root: false, sudo: false }), apt, log: freshLog() }),
      (error) => error instanceof InfraError && error.message === ONE_LINE,
    );
    assert.equal(apt.calls.length, 0);
  });
});

describe("installing Chromium (apt-get faked: nothing is installed here)", () => {
  it("runs apt-get install once without recommends, and no update when the install works", async () => {
    const root = machine({ root: true });
    const apt = fakeApt([{ code: 0, output: "Setting up chromium\n", installs: () => root.add(DEBIAN_CHROMIUM) }]);
    assert.equal(await ensureChromium({ env: {}, machine: root, apt, log: freshLog() }), DEBIAN_CHROMIUM);
    assert.deepEqual(apt.calls, [["-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", "chromium"]]);
  });

  it("runs apt-get update, then the install again, when the first install finds no package list", async () => {
    const root = machine({ root: false, sudo: true });
    const apt = fakeApt([
      { code: 100, output: "E: Unable to locate package chromium\n" },
      { code: 0, output: "Reading package lists...\n" },
      { code: 0, installs: () => root.add(DEBIAN_CHROMIUM) },
    ]);
    assert.equal(await ensureChromium({ env: {}, machine: root, apt, log: freshLog() }), DEBIAN_CHROMIUM);
    assert.deepEqual(
      apt.calls.map((call) => call.filter((arg) => ["sudo", "-n", "install", "update"].includes(arg)).join(" ")),
      ["sudo -n install", "sudo -n update", "sudo -n install"],
    );
  });

  it("fails naming its log, without an update, when the install fails for another reason", async () => {
    const log = freshLog();
    const apt = fakeApt([{ code: 100, output: "E: Could not open lock file /var/lib/dpkg/lock-frontend\n" }]);
    await assert.rejects(
      ensureChromium({ env: {}, machine: machine({ root: true }), apt, log }),
      (error) => error instanceof InfraError && error.code === "CHROMIUM_INSTALL_FAILED" && error.logFile === log && error.hint.includes(log),
    );
    assert.equal(apt.calls.length, 1);
  });

  it("reads only this run's apt output: an old 'Unable to locate' in the log does not trigger an update", async () => {
    const log = freshLog();
    appendFileSync(log, "E: Unable to locate package chromium\n");
    const apt = fakeApt([{ code: 100, output: "E: Sub-process /usr/bin/dpkg returned an error code (1)\n" }]);
    await assert.rejects(ensureChromium({ env: {}, machine: machine({ root: true }), apt, log }), /could not install/);
    assert.equal(apt.calls.length, 1);
  });
});
