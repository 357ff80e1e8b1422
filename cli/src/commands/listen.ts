import type { Command } from "commander";

export function registerListen(program: Command): void {
  void program;
}
