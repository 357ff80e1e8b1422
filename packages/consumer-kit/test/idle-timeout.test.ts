// A read of the log gives up when nothing comes for a while, never because it is long: a wide read
// that keeps making progress runs to its end.
import { strict as assert } from "node:assert";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { IdleTimeout } from "../src/idle-timeout.ts";

describe("an idle timeout", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
  afterEach(() => mock.timers.reset());

  it("never fires while activity comes more often than its limit, however long that lasts", () => {
    let fired = 0;
    const idle = new IdleTimeout(1000, () => {
      fired += 1;
    });
    for (let second = 0; second < 600; second += 1) {
      mock.timers.tick(900);
      idle.touch();
    }
    assert.equal(fired, 0, "ten minutes of progress, never a second idle");
    idle.stop();
  });

  it("fires once the limit passes with no activity, counted from the last", () => {
    let fired = 0;
    const idle = new IdleTimeout(1000, () => {
      fired += 1;
    });
    mock.timers.tick(900);
    idle.touch();
    mock.timers.tick(999);
    assert.equal(fired, 0);
    mock.timers.tick(1);
    assert.equal(fired, 1);
    mock.timers.tick(5000);
    assert.equal(fired, 1, "fires once");
  });

  it("never fires once stopped", () => {
    let fired = 0;
    const idle = new IdleTimeout(1000, () => {
      fired += 1;
    });
    idle.stop();
    idle.touch();
    mock.timers.tick(5000);
    assert.equal(fired, 0);
  });
});
