import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { applySampleFields, SampleFieldError, type Json } from "../src/index.ts";

const body = () => ({ id: "evt_1", type: "invoice.paid", data: { object: { amount: 2000, note: null, lines: { data: [{ amount: 2000 }] } } } });
/** The body with the field a test makes. */
type Sample = ReturnType<typeof body> & { data: { previous_attributes?: { status?: string } } };

describe("applySampleFields", () => {
  const sets: Array<{ name: string; path: string; value: Json; read: (set: Sample) => unknown }> = [
    { name: "replaces a nested field", path: "data.object.amount", value: 4200, read: (set) => set.data.object.amount },
    {
      name: "replaces an array item's field by its index",
      path: "data.object.lines.data.0.amount",
      value: 1,
      read: (set) => set.data.object.lines.data[0]?.amount,
    },
    { name: "appends at an array's length", path: "data.object.lines.data.1", value: { amount: 5 }, read: (set) => set.data.object.lines.data[1] },
    { name: "replaces a null", path: "data.object.note", value: "gift", read: (set) => set.data.object.note },
    {
      name: "makes a missing key and the objects on its way",
      path: "data.previous_attributes.status",
      value: "open",
      read: (set) => set.data.previous_attributes?.status,
    },
    { name: "sets a whole object", path: "data.object", value: { id: "in_1" }, read: (set) => set.data.object },
  ];
  for (const { name, path, value, read } of sets) {
    it(`${name} (${path})`, () => {
      const original = body();

      const set = applySampleFields(original, [{ path, value }]) as Sample;

      assert.deepEqual(read(set), value);
      assert.deepEqual(original, body(), "the body it was given is left as it was");
    });
  }

  it("applies the fields in order, a later one over an earlier", () => {
    const set = applySampleFields(body(), [
      { path: "data.object.amount", value: 1 },
      { path: "data.object.amount", value: 2 },
    ]) as Sample;

    assert.equal(set.data.object.amount, 2);
  });

  const refusals: Array<{ path: string; reason: RegExp }> = [
    { path: "type.name", reason: /type is a string, not an object or array/ },
    { path: "data.object.amount.value", reason: /data\.object\.amount is a number/ },
    { path: "data.object.note.text", reason: /data\.object\.note is null/ },
    { path: "data.object.lines.data.first", reason: /is an array, and first is not an index/ },
    { path: "data.object.lines.data.-1", reason: /not an index/ },
    { path: "data.object.lines.data.2", reason: /has 1 items, so 2 is out of range/ },
    { path: "data.object.lines.data.1.amount", reason: /out of range/ },
    { path: "data..amount", reason: /empty segment/ },
    { path: "", reason: /empty segment/ },
    { path: "data.", reason: /empty segment/ },
    { path: "__proto__.polluted", reason: /__proto__ is not a field/ },
  ];
  for (const { path, reason } of refusals) {
    it(`refuses ${JSON.stringify(path)} with a SampleFieldError that names the path and why`, () => {
      assert.throws(
        () => applySampleFields(body(), [{ path, value: 1 }]),
        (error: unknown) =>
          error instanceof SampleFieldError &&
          error.code === "SAMPLE_FIELD_INVALID" &&
          error.retryable === false &&
          error.path === path &&
          error.message.startsWith(`cannot set ${path}:`) &&
          reason.test(error.message),
      );
    });
  }
});
