import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { DELIVERY_TOPIC, deliveryTopicSpec } from "../src/index.ts";

describe("the deliveries topic", () => {
  it("is hooklog.Delivery, six partitions, kept a week unless told otherwise", () => {
    assert.deepEqual(deliveryTopicSpec(), {
      name: DELIVERY_TOPIC,
      partitions: 6,
      configs: { "retention.ms": String(7 * 24 * 60 * 60 * 1000) },
      replicationFactor: undefined,
      minInSyncReplicas: undefined,
    });
    assert.equal(DELIVERY_TOPIC, "hooklog.Delivery");
  });

  it("keeps records the hours it is given, replicated as the operator says", () => {
    const spec = deliveryTopicSpec({ retentionHours: 24, replicationFactor: 3, minInSyncReplicas: 2 });
    assert.equal(spec.configs?.["retention.ms"], String(24 * 60 * 60 * 1000));
    assert.equal(spec.replicationFactor, 3);
    assert.equal(spec.minInSyncReplicas, 2);
  });

  it("refuses a retention that is not a whole number of hours", () => {
    assert.throws(() => deliveryTopicSpec({ retentionHours: 0 }), /at least 1/);
    assert.throws(() => deliveryTopicSpec({ retentionHours: 1.5 }), /whole number/);
  });
});
