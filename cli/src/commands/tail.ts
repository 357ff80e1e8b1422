import type { Command } from "commander";

export function registerTail(program: Command): void {
  void program;
}
