import { HooklogError } from "@hooklog/core";

/** A filter or page the catalog cannot answer (an empty field path, a limit out of range): the caller's to fix. */
export class CatalogQueryError extends HooklogError<"INVALID_CATALOG_QUERY"> {
  constructor(message: string) {
    super("INVALID_CATALOG_QUERY", message, { retryable: false });
  }
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

export function pageLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT)
    throw new CatalogQueryError(`limit ${value}: a whole number from 1 to ${MAX_PAGE_LIMIT}`);
  return value;
}
