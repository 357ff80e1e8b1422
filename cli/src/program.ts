// The `hooklog` command line: every command registers itself on one commander program, which
// generates the help and refuses what it does not know (an unknown option is an error, exit 2).
import { Command, CommanderError } from "commander";
import { registerEvents } from "./commands/events.ts";
import { registerListen } from "./commands/listen.ts";
import { registerOperations } from "./commands/operations.ts";
import { registerRoutes } from "./commands/routes.ts";
import { registerSecrets } from "./commands/secrets.ts";
import { registerTail } from "./commands/tail.ts";
import { registerTrigger } from "./commands/trigger.ts";
import { CliError } from "./errors.ts";
import type { Hub } from "./hub.ts";
import { createOutput, type Output } from "./output.ts";

/** What an action needs: the hub (found on first use, so --help never reads the environment) and the output. */
export interface CommandContext {
  hub(): Hub;
  out: Output;
}

/**
 * The context of the command running now, with the program's global options (--json). The hub's
 * modules are loaded here, on first use, so that --help and usage errors load no more than commander.
 */
export async function contextOf(command: Command): Promise<CommandContext> {
  const { json } = command.optsWithGlobals<{ json?: boolean }>();
  const { locateHub } = await import("./hub.ts");
  let hub: Hub | undefined;
  return {
    hub: () => {
      hub ??= locateHub();
      return hub;
    },
    out: createOutput({ json: json === true }),
  };
}

/** Where commander's help and usage errors, and run()'s own errors, are written. */
export interface ProgramIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: ProgramIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function buildProgram(io: ProgramIo = processIo): Command {
  const program = new Command("hooklog")
    // Before any command is added: each copies the output settings it is made with.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .description("Send signed sample webhooks to the hub, forward its log to a local endpoint, read it, and operate its consumers.")
    .option("--json", "machine-readable output: one JSON object per line on stdout")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(hooklog --help lists the commands; hooklog <command> --help their options)")
    .exitOverride();
  registerTrigger(program);
  registerListen(program);
  registerTail(program);
  registerEvents(program);
  registerRoutes(program);
  registerOperations(program);
  registerSecrets(program);
  for (const command of program.commands) inheritSettings(command);
  return program;
}

/** Subcommands made with `.command()` copy the parent's settings, but only those set before they were made; these must hold everywhere. */
function inheritSettings(command: Command): void {
  command.exitOverride().showHelpAfterError(`(hooklog ${command.name()} --help for its options)`);
  for (const child of command.commands) inheritSettings(child);
}

/** Runs the command line; resolves to the exit code: 0 success, 1 failure, 2 usage. */
export async function run(argv: readonly string[], io: ProgramIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the help or the error already.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      io.stderr(`hooklog: ${error.message}\nhooklog: what to do: ${error.hint}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`hooklog: unexpected failure: ${message}\n`);
    io.stderr(
      process.env.HOOKLOG_DEBUG === "1" && error instanceof Error
        ? `${error.stack ?? ""}\n`
        : "hooklog: what to do: run it again with HOOKLOG_DEBUG=1 for the stack, and report it with that output\n",
    );
    return 1;
  }
}
