// npm run faults -- [options]: --brokers picks the cluster and its catalogue of faults; anything
// but 1 or 3 brokers, or a fault of the other catalogue, is a usage error that says why.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { FAULT_NAMES } from "../src/faults.ts";
import { DEFAULTS, UsageError, parseOptions, usage } from "../src/options.ts";

const parsed = (argv: string[]) => {
  const options = parseOptions(argv);
  assert.notEqual(options, "help");
  return options as Exclude<typeof options, "help">;
};

describe("npm run faults options", () => {
  it("runs on one broker with every fault of its catalogue by default", () => {
    assert.deepEqual(parsed([]), { ...DEFAULTS, brokers: 1, only: FAULT_NAMES });
    assert.equal(parsed(["--brokers", "1"]).brokers, 1);
  });

  it("takes --brokers 3 with the cluster's catalogue: the Kafka faults of all brokers, the leader kill and two brokers killed", () => {
    const options = parsed(["--brokers", "3"]);
    assert.equal(options.brokers, 3);
    assert.deepEqual(options.only.slice(0, 3), ["kafka-kill", "leader-kill", "two-brokers-kill"]);
    assert.ok(options.only.includes("kafka-blackhole") && options.only.includes("postgres-restart"));
  });

  it("injects the chosen faults in the catalogue's order", () => {
    assert.deepEqual(parsed(["--brokers=3", "--only", "two-brokers-kill, leader-kill"]).only, ["leader-kill", "two-brokers-kill"]);
  });

  for (const value of ["2", "0", "4", "three", ""]) {
    it(`refuses --brokers ${JSON.stringify(value)}, saying it takes 1 or 3`, () => {
      assert.throws(
        () => parseOptions(["--brokers", value]),
        (error: unknown) => error instanceof UsageError && /--brokers takes 1 or 3/.test(error.message),
      );
    });
  }

  it("refuses a three-broker fault on one broker, and names where it belongs", () => {
    assert.throws(
      () => parseOptions(["--only", "leader-kill"]),
      (error: unknown) => error instanceof UsageError && error.message.includes("leader-kill is a fault of --brokers 3"),
    );
  });

  it("lists both catalogues in the usage text", () => {
    assert.match(usage(), /--brokers <1\|3>/);
    assert.match(usage(), /two-brokers-kill/);
    assert.match(usage(), /leader-kill/);
  });
});
