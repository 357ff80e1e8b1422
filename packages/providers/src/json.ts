// Reading providers' JSON: once, with the few narrowings every module needs.
import { isObject } from "@hooklog/core";

/** A JSON object as parsed, its values not yet narrowed. */
export type JsonObject = Record<string, unknown>;

/** Any JSON value, as a sample's fields are set to. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined);
export const integer = (value: unknown): number | undefined => (typeof value === "number" && Number.isInteger(value) ? value : undefined);

/** The body as a JSON object, or undefined (the caller answers 400: a signed body that is not a JSON object). */
export function parseJsonObject(body: Buffer | string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined; // not JSON: reported by the caller as a malformed payload
  }
}

const JSON_TYPES = /^application\/([\w.+-]+\+)?json\b/;

export const isJsonContentType = (contentType: string): boolean => JSON_TYPES.test(contentType);

/** A header holding unix seconds, as epoch ms; null when absent or not a number. */
export function secondsHeaderMs(value: string | undefined): number | null {
  const seconds = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(seconds) ? seconds * 1000 : null;
}
