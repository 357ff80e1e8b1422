import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { HooklogError } from "@hooklog/core";
import { compileFilter, FilterError } from "../src/filter.ts";

type Case = [description: string, filter: Record<string, unknown>, document: unknown, expected: boolean];

const runCases = (cases: readonly Case[]): void => {
  for (const [description, filter, document, expected] of cases) {
    it(description, () => assert.equal(compileFilter(filter).matches(document), expected));
  }
};

/** `levels` nodes from the top object down to the literal at the bottom: { a: { a: ... "x" } }. */
const nested = (levels: number): Record<string, unknown> => {
  let filter: unknown = "x";
  for (let level = 1; level < levels; level++) filter = { a: filter };
  return filter as Record<string, unknown>;
};

const assertFilterError = (filter: unknown, message: RegExp, path?: string): void => {
  assert.throws(
    () => compileFilter(filter, path),
    (error: unknown) => {
      assert.ok(error instanceof FilterError && error instanceof HooklogError);
      assert.equal(error.code, "ROUTE_FILTER_INVALID");
      assert.equal(error.retryable, false);
      assert.match(error.message, message);
      return true;
    },
  );
};

describe("filter: fields and literals", () => {
  runCases([
    ["an empty filter matches any object", {}, { type: "invoice.paid" }, true],
    ["an empty filter matches even a document that is not an object", {}, "text", true],
    ["a string field matches an equal string", { type: "invoice.paid" }, { type: "invoice.paid" }, true],
    ["a string field does not match a different string", { type: "invoice.paid" }, { type: "invoice.created" }, false],
    ["a number matches by strict equality", { amount: 100 }, { amount: 100 }, true],
    ["a number does not match the same digits as a string", { amount: 100 }, { amount: "100" }, false],
    ["a boolean matches an equal boolean", { livemode: false }, { livemode: false }, true],
    ["a boolean does not match a falsy value", { livemode: false }, { livemode: 0 }, false],
    ["null matches a field that is null", { deleted_at: null }, { deleted_at: null }, true],
    ["null does not match a missing field", { deleted_at: null }, {}, false],
    ["a missing field matches no literal", { type: "invoice.paid" }, { source: "stripe" }, false],
    ["every key must match", { type: "invoice.paid", source: "stripe" }, { type: "invoice.paid", source: "github" }, false],
    ["a field filter does not match a document that is not an object", { type: "invoice.paid" }, ["invoice.paid"], false],
    ["a dotted key is a literal field name, not a path", { "data.id": "in_1" }, { "data.id": "in_1" }, true],
    ["a dotted key does not reach into nested objects", { "data.id": "in_1" }, { data: { id: "in_1" } }, false],
    ["an inherited property is not a field", { constructor: { $exist: true } }, {}, false],
  ]);
});

describe("filter: nested objects", () => {
  runCases([
    ["nested objects match field by field", { data: { object: { status: "paid" } } }, { data: { object: { status: "paid", id: "in_1" } } }, true],
    ["a nested mismatch fails the whole filter", { data: { object: { status: "paid" } } }, { data: { object: { status: "open" } } }, false],
    ["a nested filter does not match a field that is not an object", { data: { object: { status: "paid" } } }, { data: { object: "paid" } }, false],
    ["a nested filter does not match a missing parent", { data: { object: { status: "paid" } } }, { data: {} }, false],
    ["an empty nested filter matches whatever the field holds", { data: {} }, { type: "ping" }, true],
  ]);
});

describe("filter: arrays", () => {
  runCases([
    ["a literal matches an array field holding it", { tags: "urgent" }, { tags: ["billing", "urgent"] }, true],
    ["a literal does not match an array field without it", { tags: "urgent" }, { tags: ["billing"] }, false],
    ["an array matches an equal array", { tags: ["billing", "urgent"] }, { tags: ["billing", "urgent"] }, true],
    ["an array does not match the same elements in another order", { tags: ["billing", "urgent"] }, { tags: ["urgent", "billing"] }, false],
    ["an array does not match a longer array", { tags: ["billing"] }, { tags: ["billing", "urgent"] }, false],
    ["an array compares object elements deeply", { lines: [{ sku: "a", qty: 1 }] }, { lines: [{ qty: 1, sku: "a" }] }, true],
    ["an array does not match a lone value", { tags: ["urgent"] }, { tags: "urgent" }, false],
  ]);
});

describe("filter: $eq and $neq", () => {
  runCases([
    ["$eq matches an equal literal", { status: { $eq: "paid" } }, { status: "paid" }, true],
    ["$eq does not match another literal", { status: { $eq: "paid" } }, { status: "open" }, false],
    [
      "$eq compares objects deeply, whatever their key order",
      { price: { $eq: { amount: 5, currency: "eur" } } },
      { price: { currency: "eur", amount: 5 } },
      true,
    ],
    ["$eq does not match an object with an extra key", { price: { $eq: { amount: 5 } } }, { price: { amount: 5, currency: "eur" } }, false],
    ["$eq compares the whole value: a literal does not equal an array holding it", { tags: { $eq: "urgent" } }, { tags: ["urgent"] }, false],
    ["$neq matches a different value", { status: { $neq: "paid" } }, { status: "open" }, true],
    ["$neq does not match an equal value", { status: { $neq: "paid" } }, { status: "paid" }, false],
    ["$neq matches a missing field", { status: { $neq: "paid" } }, {}, true],
  ]);
});

describe("filter: $gt, $gte, $lt, $lte", () => {
  runCases([
    ["$gt matches a greater number", { amount: { $gt: 100 } }, { amount: 101 }, true],
    ["$gt does not match an equal number", { amount: { $gt: 100 } }, { amount: 100 }, false],
    ["$gte matches an equal number", { amount: { $gte: 100 } }, { amount: 100 }, true],
    ["$gte does not match a smaller number", { amount: { $gte: 100 } }, { amount: 99.5 }, false],
    ["$lt matches a smaller number", { amount: { $lt: 0 } }, { amount: -1 }, true],
    ["$lt does not match an equal number", { amount: { $lt: 0 } }, { amount: 0 }, false],
    ["$lte matches an equal number", { amount: { $lte: 10 } }, { amount: 10 }, true],
    ["$lte does not match a greater number", { amount: { $lte: 10 } }, { amount: 11 }, false],
    ["two bounds make a range", { amount: { $gte: 10, $lt: 20 } }, { amount: 15 }, true],
    ["a value outside the range fails it", { amount: { $gte: 10, $lt: 20 } }, { amount: 20 }, false],
    ["strings compare with strings", { created: { $gte: "2024-01-01" } }, { created: "2024-06-30" }, true],
    ["a string earlier in order is not greater", { created: { $gt: "2024-01-01" } }, { created: "2023-12-31" }, false],
    ["a numeric string is not compared with a number", { amount: { $gt: 100 } }, { amount: "500" }, false],
    ["a number is not compared with a string", { created: { $lt: "2024" } }, { created: 1999 }, false],
    ["null is not a number", { amount: { $lte: 0 } }, { amount: null }, false],
    ["a missing field is neither greater nor smaller", { amount: { $lt: 100 } }, {}, false],
  ]);
});

describe("filter: $in and $nin", () => {
  runCases([
    ["$in matches a value listed", { type: { $in: ["invoice.paid", "invoice.created"] } }, { type: "invoice.paid" }, true],
    ["$in does not match a value not listed", { type: { $in: ["invoice.paid"] } }, { type: "charge.failed" }, false],
    ["$in matches an array field with any element listed", { tags: { $in: ["urgent", "vip"] } }, { tags: ["billing", "vip"] }, true],
    ["$in does not match an array field with no element listed", { tags: { $in: ["urgent"] } }, { tags: ["billing"] }, false],
    ["$in compares elements deeply", { price: { $in: [{ amount: 5 }] } }, { price: { amount: 5 } }, true],
    ["$in does not match a missing field", { type: { $in: ["invoice.paid"] } }, {}, false],
    ["$nin matches a value not listed", { type: { $nin: ["ping"] } }, { type: "invoice.paid" }, true],
    ["$nin does not match a value listed", { type: { $nin: ["ping"] } }, { type: "ping" }, false],
    ["$nin does not match an array field with an element listed", { tags: { $nin: ["test"] } }, { tags: ["billing", "test"] }, false],
    ["$nin matches a missing field", { type: { $nin: ["ping"] } }, {}, true],
  ]);
});

describe("filter: $exist and $exists", () => {
  runCases([
    ["$exist true matches a present field", { customer: { $exist: true } }, { customer: "cus_1" }, true],
    ["$exist true matches a field present as null", { customer: { $exist: true } }, { customer: null }, true],
    ["$exist true does not match a missing field", { customer: { $exist: true } }, {}, false],
    ["$exist false matches a missing field", { customer: { $exist: false } }, {}, true],
    ["$exist false does not match a present field", { customer: { $exist: false } }, { customer: "cus_1" }, false],
    ["$exists is accepted for $exist", { customer: { $exists: true } }, { customer: "cus_1" }, true],
    ["$exists false does not match a present field", { customer: { $exists: false } }, { customer: 0 }, false],
  ]);
});

describe("filter: $regex", () => {
  runCases([
    ["$regex matches a string containing the pattern", { type: { $regex: "^invoice\\." } }, { type: "invoice.paid" }, true],
    ["$regex does not match a string without it", { type: { $regex: "^invoice\\." } }, { type: "charge.invoice.x" }, false],
    ["$regex finds the pattern anywhere unless anchored", { email: { $regex: "@example\\.com" } }, { email: "a@example.com.evil" }, true],
    ["$regex does not match a number", { amount: { $regex: "^1" } }, { amount: 100 }, false],
    ["$regex does not match an array of strings", { tags: { $regex: "urgent" } }, { tags: ["urgent"] }, false],
    ["$regex does not match a missing field", { type: { $regex: "." } }, {}, false],
  ]);

  it("a catastrophic-backtracking pattern finishes against a hostile string (RE2 runs in linear time)", () => {
    const filter = compileFilter({ name: { $regex: "(a+)+$" } });
    assert.equal(filter.matches({ name: `${"a".repeat(50_000)}!` }), false);
  });
});

describe("filter: $or, $and, $not", () => {
  runCases([
    ["$or matches when any branch matches", { $or: [{ type: "invoice.paid" }, { type: "charge.succeeded" }] }, { type: "charge.succeeded" }, true],
    ["$or does not match when no branch matches", { $or: [{ type: "invoice.paid" }, { type: "charge.succeeded" }] }, { type: "ping" }, false],
    ["$and matches when every branch matches", { $and: [{ amount: { $gte: 10 } }, { amount: { $lte: 20 } }] }, { amount: 10 }, true],
    ["$and does not match when one branch fails", { $and: [{ amount: { $gte: 10 } }, { amount: { $lte: 20 } }] }, { amount: 21 }, false],
    ["$not inverts a filter", { $not: { type: "ping" } }, { type: "invoice.paid" }, true],
    ["$not does not match what its filter matches", { $not: { type: "ping" } }, { type: "ping" }, false],
    ["$not inverts operators on a field", { amount: { $not: { $gt: 100 } } }, { amount: 50 }, true],
    ["logical operators sit beside field names", { source: "stripe", $or: [{ type: "a" }, { type: "b" }] }, { source: "stripe", type: "b" }, true],
    ["beside field names, each must still match", { source: "stripe", $or: [{ type: "a" }, { type: "b" }] }, { source: "github", type: "b" }, false],
    ["logical operators apply at the level they sit in", { data: { $or: [{ status: "paid" }, { status: "void" }] } }, { data: { status: "void" } }, true],
    ["nested logical operators combine", { $or: [{ $and: [{ a: 1 }, { b: 2 }] }, { $not: { c: { $exist: true } } }] }, { a: 1, b: 3, c: 0 }, false],
  ]);
});

describe("filter: an event envelope", () => {
  const event = {
    type: "invoice.paid",
    source: "stripe",
    id: "evt_1",
    data: { object: { id: "in_1", amount_paid: 4200, currency: "eur", lines: ["pro", "seat"] } },
  };
  runCases([
    ["matches by type and a nested amount", { type: "invoice.paid", data: { object: { amount_paid: { $gte: 1000 } } } }, event, true],
    ["a nested amount below the bound fails", { type: "invoice.paid", data: { object: { amount_paid: { $gte: 5000 } } } }, event, false],
    [
      "matches by source, a type pattern and a line item",
      { source: "stripe", type: { $regex: "^invoice\\." }, data: { object: { lines: "seat" } } },
      event,
      true,
    ],
    ["another source does not match", { source: "github", type: "invoice.paid" }, event, false],
  ]);
});

describe("filter: matching never throws", () => {
  it("documents of every shape give an answer", () => {
    const filter = compileFilter({ a: { b: { $gt: 1 } }, $or: [{ c: { $regex: "x" } }, { d: { $nin: [1] } }] });
    for (const document of [undefined, null, 0, "text", true, [], [{ a: 1 }], {}, Object.create(null), { a: null }, { a: [1, 2] }, { a: { b: {} } }]) {
      assert.equal(filter.matches(document), false);
    }
  });
});

describe("filter: compile errors name the path inside the filter", () => {
  it("a filter that is not an object is refused", () => {
    assertFilterError("type == invoice.paid", /^filter: needs a filter object, got a string$/);
    assertFilterError(null, /^filter: needs a filter object, got null$/);
    assertFilterError([{ type: "a" }], /^routes\.billing\.filter: needs a filter object, got an array$/, "routes.billing.filter");
  });

  it("an ordering operator needs a number or a string", () => {
    assertFilterError(
      { data: { object: { amount_paid: { $gte: {} } } } },
      /^filter\.data\.object\.amount_paid\.\$gte: needs a number or a string, got an object$/,
    );
    assertFilterError({ amount: { $lt: null } }, /^filter\.amount\.\$lt: needs a number or a string, got null$/);
  });

  it("operands are checked for their kind", () => {
    assertFilterError({ type: { $in: "invoice.paid" } }, /^filter\.type\.\$in: needs an array, got a string$/);
    assertFilterError({ type: { $nin: { a: 1 } } }, /^filter\.type\.\$nin: needs an array, got an object$/);
    assertFilterError({ customer: { $exist: "yes" } }, /^filter\.customer\.\$exist: needs true or false, got a string$/);
    assertFilterError({ customer: { $exists: 1 } }, /^filter\.customer\.\$exists: needs true or false, got a number$/);
    assertFilterError({ type: { $regex: 5 } }, /^filter\.type\.\$regex: needs a string pattern, got a number$/);
  });

  it("only JSON values are compared", () => {
    assertFilterError({ a: { $eq: [1, undefined] } }, /^filter\.a\.\$eq\[1\]: needs a JSON value, got undefined$/);
    assertFilterError({ a: () => true }, /^filter\.a: needs a JSON value, got a function$/);
    assertFilterError({ amount: { $gt: Number.NaN } }, /^filter\.amount\.\$gt: needs a finite number, got NaN$/);
    assertFilterError({ amount: Number.POSITIVE_INFINITY }, /^filter\.amount: needs a finite number, got Infinity$/);
  });

  it("a pattern RE2 cannot compile is refused with its reason", () => {
    assertFilterError({ type: { $regex: "(invoice" } }, /^filter\.type\.\$regex: invalid pattern: error parsing regexp: missing closing \): `\(invoice`$/);
    assertFilterError({ type: { $regex: "(a)\\1" } }, /^filter\.type\.\$regex: invalid pattern: error parsing regexp: invalid escape sequence: `\\1`$/);
  });

  it("a pattern longer than 1,000 characters is refused", () => {
    assert.equal(compileFilter({ type: { $regex: "a".repeat(1_000) } }).matches({ type: "a".repeat(1_000) }), true);
    assertFilterError({ type: { $regex: "a".repeat(1_001) } }, /^filter\.type\.\$regex: pattern has 1001 characters, more than 1000$/);
  });

  it("an unknown operator is refused, listing the known ones", () => {
    assertFilterError(
      { amount: { $between: [1, 2] } },
      /^filter\.amount\.\$between: unknown operator; known: \$eq, \$neq, \$gt, \$gte, \$lt, \$lte, \$in, \$nin, \$exist, \$exists, \$regex, \$and, \$or, \$not$/,
    );
  });

  it("an object mixing operators with field names is refused", () => {
    assertFilterError(
      { data: { amount: { $gte: 10, currency: "eur" } } },
      /^filter\.data\.amount: mixes operators \(\$gte\) with field names \(currency\); an object holds one or the other$/,
    );
  });

  it("$or and $and need a non-empty array of filter objects", () => {
    assertFilterError({ $or: [] }, /^filter\.\$or: needs a non-empty array of filters, got an empty array$/);
    assertFilterError({ $and: { type: "a" } }, /^filter\.\$and: needs a non-empty array of filters, got an object$/);
    assertFilterError({ $or: [{ type: "a" }, "b"] }, /^filter\.\$or\[1\]: needs a filter object, got a string$/);
    assertFilterError({ $or: [{ amount: { $gt: true } }] }, /^filter\.\$or\[0\]\.amount\.\$gt: needs a number or a string, got a boolean$/);
  });

  it("$not needs a filter object", () => {
    assertFilterError({ $not: [{ type: "a" }] }, /^filter\.\$not: needs a filter object, got an array$/);
  });

  it("a filter 32 levels deep compiles; one level more is refused", () => {
    assert.equal(compileFilter(nested(32)).matches(nested(32)), true);
    assertFilterError(nested(33), /^filter(\.a){32}: nested deeper than 32 levels$/);
  });

  it("a filter that contains itself stops at the depth bound", () => {
    const filter: Record<string, unknown> = {};
    filter.self = filter;
    assertFilterError(filter, /^filter(\.self){32}: nested deeper than 32 levels$/);
  });

  it("a filter of 1,000 nodes compiles; one node more is refused", () => {
    // The top object, the field's object and the array are 3 nodes: 997 elements make 1,000.
    assert.equal(compileFilter({ id: { $in: Array.from({ length: 997 }, (_, index) => index) } }).matches({ id: 996 }), true);
    assertFilterError({ id: { $in: Array.from({ length: 998 }, (_, index) => index) } }, /^filter\.id\.\$in\[997\]: the filter has more than 1000 nodes$/);
  });
});
