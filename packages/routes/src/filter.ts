// A route's `filter:`: the JSON filter syntax users know from Convoy and Hookdeck (a MongoDB subset).
// Compiled once when the config loads, so a bad filter fails at start naming its path, and matching never throws.
// https://docs.getconvoy.io/product-manual/filters  https://hookdeck.com/docs/filters
import { HooklogError, isObject } from "@hooklog/core";
import { RE2JS, RE2JSException } from "re2js";

/** The value a filter is matched against: parsed JSON, built by the caller (payload plus envelope fields). */
export type FilterDocument = unknown;

export interface CompiledFilter {
  matches(document: FilterDocument): boolean;
}

/** A filter that cannot be compiled; the message starts with the path inside it. Trying again cannot help. */
export class FilterError extends HooklogError<"ROUTE_FILTER_INVALID"> {
  readonly path: string;

  constructor(path: string, reason: string, cause?: unknown) {
    super("ROUTE_FILTER_INVALID", `${path}: ${reason}`, { retryable: false, cause });
    this.path = path;
  }
}

// Filters come from a config file anyone with repo access edits: bound the work one filter can cost per event.
const MAX_DEPTH = 32;
const MAX_NODES = 1_000;
const MAX_PATTERN_LENGTH = 1_000;

type Match = (value: unknown) => boolean;
/** Nodes of the filter seen so far, shared by one compilation. */
type Budget = { nodes: number };
type OperatorCompiler = (operand: unknown, path: string, budget: Budget, depth: number) => Match;

/** Throws FilterError (path and reason) for anything that is not a filter object; `path` prefixes every message. */
export function compileFilter(filter: unknown, path = "filter"): CompiledFilter {
  const match = compileFilterObject(filter, path, { nodes: 0 }, 1);
  return { matches: (document) => match(document) };
}

function compileFilterObject(filter: unknown, path: string, budget: Budget, depth: number): Match {
  visit(path, budget, depth);
  if (!isObject(filter)) throw new FilterError(path, `needs a filter object, got ${kindOf(filter)}`);
  return compileObject(filter, path, budget, depth);
}

/** Every key must match (`{}` matches anything). The caller has already counted `filter` itself. */
function compileObject(filter: Record<string, unknown>, path: string, budget: Budget, depth: number): Match {
  const keys = Object.keys(filter);
  const comparisons = keys.filter((key) => key.startsWith("$") && !LOGICAL.has(key));
  const fields = keys.filter((key) => !key.startsWith("$"));
  if (comparisons.length > 0 && fields.length > 0) {
    throw new FilterError(path, `mixes operators (${comparisons.join(", ")}) with field names (${fields.join(", ")}); an object holds one or the other`);
  }
  const matchers = keys.map((key) => compileKey(key, filter[key], `${path}.${key}`, budget, depth + 1));
  return (value) => matchers.every((match) => match(value));
}

function compileKey(key: string, operand: unknown, path: string, budget: Budget, depth: number): Match {
  visit(path, budget, depth);
  if (key.startsWith("$")) {
    const operator = Object.hasOwn(OPERATORS, key) ? OPERATORS[key] : undefined;
    if (operator === undefined) throw new FilterError(path, `unknown operator; known: ${Object.keys(OPERATORS).join(", ")}`);
    return operator(operand, path, budget, depth);
  }
  // A dotted key is the literal field `a.b`, not a path: keys are matched as written, one level at a time.
  const match = compileFieldValue(operand, path, budget, depth);
  // Own fields only, so `constructor` or `toString` never match what a plain object inherits.
  return (value) => isObject(value) && match(Object.hasOwn(value, key) ? value[key] : undefined);
}

function compileFieldValue(operand: unknown, path: string, budget: Budget, depth: number): Match {
  if (isObject(operand)) return compileObject(operand, path, budget, depth);
  checkJson(operand, path, budget, depth);
  if (Array.isArray(operand)) return (value) => deepEqual(value, operand);
  // A literal against an array field matches any element, as in Convoy, Hookdeck and MongoDB.
  return (value) => value === operand || (Array.isArray(value) && value.some((element) => element === operand));
}

const equality =
  (wanted: boolean): OperatorCompiler =>
  (operand, path, budget, depth) => {
    checkJson(operand, path, budget, depth);
    return (value) => deepEqual(value, operand) === wanted;
  };

// Numbers compare with numbers and strings with strings; anything else (a missing field too) is no match.
const ordered =
  (accepts: (order: number) => boolean): OperatorCompiler =>
  (operand, path) => {
    if (typeof operand !== "number" && typeof operand !== "string") throw new FilterError(path, `needs a number or a string, got ${kindOf(operand)}`);
    checkFinite(operand, path);
    return (value) => (typeof value === "number" || typeof value === "string") && typeof value === typeof operand && accepts(compare(value, operand));
  };

const compare = (left: number | string, right: number | string): number => (left < right ? -1 : left > right ? 1 : 0);

const membership =
  (wanted: boolean): OperatorCompiler =>
  (operand, path, budget, depth) => {
    if (!Array.isArray(operand)) throw new FilterError(path, `needs an array, got ${kindOf(operand)}`);
    checkJson(operand, path, budget, depth);
    const candidates: readonly unknown[] = operand;
    const isIn = (element: unknown): boolean => candidates.some((candidate) => deepEqual(element, candidate));
    return (value) => (isIn(value) || (Array.isArray(value) && value.some(isIn))) === wanted;
  };

const existence: OperatorCompiler = (operand, path) => {
  if (typeof operand !== "boolean") throw new FilterError(path, `needs true or false, got ${kindOf(operand)}`);
  return (value) => (value !== undefined) === operand;
};

// RE2 runs in time linear in the input, so a pattern like `(a+)+$` cannot stall the consumer on a hostile payload.
const regex: OperatorCompiler = (operand, path) => {
  if (typeof operand !== "string") throw new FilterError(path, `needs a string pattern, got ${kindOf(operand)}`);
  if (operand.length > MAX_PATTERN_LENGTH) throw new FilterError(path, `pattern has ${operand.length} characters, more than ${MAX_PATTERN_LENGTH}`);
  const pattern = compilePattern(operand, path);
  return (value) => typeof value === "string" && pattern.matcher(value).find();
};

function compilePattern(source: string, path: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (error) {
    // RE2 also refuses what it cannot run in linear time (backreferences, lookarounds): say so with its own words.
    if (error instanceof RE2JSException) throw new FilterError(path, `invalid pattern: ${error.message}`, error);
    throw error;
  }
}

const logical =
  (combine: "every" | "some"): OperatorCompiler =>
  (operand, path, budget, depth) => {
    if (!Array.isArray(operand) || operand.length === 0) {
      throw new FilterError(path, `needs a non-empty array of filters, got ${Array.isArray(operand) ? "an empty array" : kindOf(operand)}`);
    }
    const matchers = operand.map((filter, index) => compileFilterObject(filter, `${path}[${index}]`, budget, depth + 1));
    return combine === "every" ? (value) => matchers.every((match) => match(value)) : (value) => matchers.some((match) => match(value));
  };

const negation: OperatorCompiler = (operand, path, budget, depth) => {
  if (!isObject(operand)) throw new FilterError(path, `needs a filter object, got ${kindOf(operand)}`);
  const match = compileObject(operand, path, budget, depth);
  return (value) => !match(value);
};

const OPERATORS: Record<string, OperatorCompiler> = {
  $eq: equality(true),
  $neq: equality(false),
  $gt: ordered((order) => order > 0),
  $gte: ordered((order) => order >= 0),
  $lt: ordered((order) => order < 0),
  $lte: ordered((order) => order <= 0),
  $in: membership(true),
  $nin: membership(false),
  $exist: existence,
  // MongoDB's spelling; Convoy documents `$exist`.
  $exists: existence,
  $regex: regex,
  $and: logical("every"),
  $or: logical("some"),
  $not: negation,
};

/** Applied to the value at their own level, so they may sit beside field names. */
const LOGICAL: ReadonlySet<string> = new Set(["$and", "$or", "$not"]);

/** Counts one node of the filter, refusing a filter past the bounds (an alias cycle in YAML stops here too). */
function visit(path: string, budget: Budget, depth: number): void {
  if (depth > MAX_DEPTH) throw new FilterError(path, `nested deeper than ${MAX_DEPTH} levels`);
  budget.nodes += 1;
  if (budget.nodes > MAX_NODES) throw new FilterError(path, `the filter has more than ${MAX_NODES} nodes`);
}

/** A value compared as data (an operand, an array): only what JSON can hold, each node counted. The caller counted `value`. */
function checkJson(value: unknown, path: string, budget: Budget, depth: number): void {
  if (Array.isArray(value) || isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      visit(childPath, budget, depth + 1);
      checkJson(child, childPath, budget, depth + 1);
    }
  } else if (typeof value === "number") {
    checkFinite(value, path);
  } else if (value !== null && typeof value !== "string" && typeof value !== "boolean") {
    throw new FilterError(path, `needs a JSON value, got ${kindOf(value)}`);
  }
}

// YAML can spell .nan and .inf; JSON documents never hold them, so such a filter could only be a mistake.
function checkFinite(value: number | string, path: string): void {
  if (typeof value === "number" && !Number.isFinite(value)) throw new FilterError(path, `needs a finite number, got ${value}`);
}

/** Equality of JSON values. Recursion ends with the filter's side, which the bounds above keep shallow. */
function deepEqual(value: unknown, expected: unknown): boolean {
  if (value === expected) return true;
  if (Array.isArray(expected)) {
    return Array.isArray(value) && value.length === expected.length && expected.every((element, index) => deepEqual(value[index], element));
  }
  if (!isObject(expected) || !isObject(value)) return false;
  const keys = Object.keys(expected);
  return Object.keys(value).length === keys.length && keys.every((key) => Object.hasOwn(value, key) && deepEqual(value[key], expected[key]));
}

const kindOf = (value: unknown): string =>
  value === null || value === undefined ? String(value) : Array.isArray(value) ? "an array" : isObject(value) ? "an object" : `a ${typeof value}`;
