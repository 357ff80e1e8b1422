import type { Command } from "commander";

export function registerOperations(program: Command): void {
  void program;
}
