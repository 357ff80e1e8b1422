// `hooklog trigger --set path=value`: fields of a sample changed before it is signed, so the
// signature covers them as it would a provider's own payload.
import { HooklogError, isObject } from "@hooklog/core";
import type { Json, JsonObject } from "./json.ts";

/** A path of --set that cannot be set in the sample. Trying again cannot help. */
export class SampleFieldError extends HooklogError<"SAMPLE_FIELD_INVALID"> {
  readonly path: string;

  constructor(path: string, reason: string) {
    super("SAMPLE_FIELD_INVALID", `cannot set ${path}: ${reason}`, { retryable: false });
    this.path = path;
  }
}

export interface SampleField {
  /** Dotted, array indexes as numbers: data.object.lines.data.0.amount. */
  path: string;
  value: Json;
}

const INDEX = /^(0|[1-9]\d*)$/;

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`);

/**
 * A copy of `body` with each field set in turn. A missing key is made, with the objects on its way;
 * an array takes an index up to its length (its length appends). Throws SampleFieldError naming the
 * path and what stopped it.
 */
export function applySampleFields(body: JsonObject, set: ReadonlyArray<SampleField> = []): JsonObject {
  const copy = structuredClone(body);
  for (const { path, value } of set) setField(copy, path, value);
  return copy;
}

function setField(body: JsonObject, path: string, value: Json): void {
  const segments = path.split(".");
  let container: unknown = body;
  for (const [at, segment] of segments.entries()) {
    const where = segments.slice(0, at).join(".") || "the body";
    if (segment === "") throw new SampleFieldError(path, "it has an empty segment");
    // Setting it would change the object's prototype, not add a field.
    if (segment === "__proto__") throw new SampleFieldError(path, "__proto__ is not a field");
    const last = at === segments.length - 1;
    if (Array.isArray(container)) {
      if (!INDEX.test(segment)) throw new SampleFieldError(path, `${where} is an array, and ${segment} is not an index`);
      const index = Number(segment);
      const limit = last ? container.length : container.length - 1;
      if (index > limit) throw new SampleFieldError(path, `${where} has ${container.length} items, so ${segment} is out of range`);
      if (last) container[index] = value;
      else container = container[index];
    } else if (isObject(container)) {
      // Only a missing key is made: a null or a scalar in the way is the sample's, and stops the path.
      if (!last && !Object.hasOwn(container, segment)) container[segment] = {};
      if (last) container[segment] = value;
      else container = container[segment];
    } else {
      throw new SampleFieldError(path, `${where} is ${kindOf(container)}, not an object or array`);
    }
  }
}
