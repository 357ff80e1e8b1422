// Where a read of the log starts, as --from and --since take it.
import { HooklogError, parseSince } from "@hooklog/core";
import { InvalidArgumentError } from "commander";

export type StartPoint = { kind: "now" } | { kind: "beginning" } | { kind: "time"; at: Date };

/** `now`, `beginning`, a duration back from now (30m, 2h, 3d) or an ISO time. */
export function parseStartPoint(text: string): StartPoint {
  if (text === "now") return { kind: "now" };
  if (text === "beginning") return { kind: "beginning" };
  try {
    return { kind: "time", at: parseSince(text) };
  } catch (error) {
    if (error instanceof HooklogError) throw new InvalidArgumentError(`${error.message}, or now, or beginning`);
    throw error;
  }
}
