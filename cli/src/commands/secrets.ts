import type { Command } from "commander";

export function registerSecrets(program: Command): void {
  void program;
}
