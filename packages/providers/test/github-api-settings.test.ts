import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ConfigError } from "@hooklog/config";
import { loadGitHubApiSettings } from "../src/github/api-settings.ts";

const maxRedeliveries = (value?: string): number =>
  loadGitHubApiSettings("reconciliation", value === undefined ? {} : { RECONCILIATION_GITHUB_MAX_REDELIVERIES: value }).RECONCILIATION_GITHUB_MAX_REDELIVERIES;

describe("GitHub's reconciliation settings", () => {
  it("asks for a failed delivery at most 3 times unless RECONCILIATION_GITHUB_MAX_REDELIVERIES says otherwise", () => {
    assert.equal(maxRedeliveries(), 3);
    assert.equal(maxRedeliveries(""), 3);
    assert.deepEqual(["1", "7", "20"].map(maxRedeliveries), [1, 7, 20]);
  });

  for (const value of ["0", "21", "2.5", "three", "-1"])
    it(`refuses RECONCILIATION_GITHUB_MAX_REDELIVERIES=${value} as a configuration error naming the variable`, () => {
      assert.throws(
        () => maxRedeliveries(value),
        (error: unknown) => error instanceof ConfigError && /RECONCILIATION_GITHUB_MAX_REDELIVERIES: /.test(error.message),
      );
    });
});
