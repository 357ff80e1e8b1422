import type { Command } from "commander";

export function registerTrigger(program: Command): void {
  void program;
}
