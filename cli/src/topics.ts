import type { SourceConfig } from "@hooklog/sources";
import type { Hub } from "./hub.ts";

/** The sources named (all when none is), each with its topic. */
export function selectedSources(hub: Hub, names: readonly string[]): SourceConfig[] {
  return names.length === 0 ? [...hub.sources] : names.map((name) => hub.source(name));
}

/** Repeatable and comma-separated alike: --types a,b --types c. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  ];
}
