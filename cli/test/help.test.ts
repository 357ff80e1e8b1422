import { strict as assert } from "node:assert";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import type { Command } from "commander";
import { buildProgram, run } from "../src/program.ts";
import { runCli, type CliRun } from "./cli-process.ts";

/**
 * `hooklog <args>` in this process, as the bin runs it (one process per command costs a second of
 * start-up each, for dozens of cases); the first test runs the real bin once.
 */
async function runHere(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  let stdout = "";
  let stderr = "";
  try {
    const code = await run(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
    return { code, stdout, stderr };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Every command and subcommand, as the words that name it (`["secrets", "rotate"]`), walked from the program so a new one is covered. */
function commandPaths(command: Command, parent: readonly string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((child) => {
    const path = [...parent, child.name()];
    return [{ path, command: child }, ...commandPaths(child, path)];
  });
}

// Help and usage errors come before the hub is looked for: a hub that cannot be found must not matter.
const noHub = { HOOKLOG_CONFIG: join(tmpdir(), "hooklog-no-such-config.yaml") };

/**
 * A valid value for each mandatory option, so that the unknown option is what the command refuses
 * (commander reports a missing mandatory option first). A new mandatory option needs its value here.
 */
const mandatoryValues: Record<string, string> = { "--forward-to": "http://127.0.0.1:9/webhooks", "--event": "evt_1" };

const said = (run: CliRun): string => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

const program = buildProgram();
const commands = commandPaths(program);

describe("hooklog's help and usage errors", () => {
  it("walks at least the commands there are", () => {
    const names = commands.map(({ path }) => path.join(" "));
    for (const name of ["trigger", "listen", "tail", "secrets rotate"]) assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  });

  it("hooklog --help prints the usage and every command, and exits 0", async () => {
    const run = await runCli(["--help"], noHub); // the real bin, once
    assert.equal(run.code, 0, said(run));
    assert.match(run.stdout, /^Usage: hooklog /m);
    for (const command of program.commands) assert.match(run.stdout, new RegExp(`^ {2}${command.name()}\\b`, "m"), `lists ${command.name()}`);
  });

  for (const { path, command } of commands) {
    const name = path.join(" ");

    it(`hooklog ${name} --help prints its usage and options, and exits 0`, async () => {
      const run = await runHere([...path, "--help"], noHub);
      assert.equal(run.code, 0, said(run));
      assert.match(run.stdout, new RegExp(`^Usage: hooklog ${name}\\b`, "m"), said(run));
      for (const option of command.options) assert.ok(run.stdout.includes(option.flags), `shows ${option.flags}\n${said(run)}`);
      for (const child of command.commands) assert.match(run.stdout, new RegExp(`^ {2}${child.name()}\\b`, "m"), `lists ${child.name()}`);
    });

    it(`hooklog ${name} with an unknown option exits 2 saying so`, async () => {
      const mandatory = command.options.filter((option) => option.mandatory);
      const given = mandatory.flatMap((option) => {
        const value = mandatoryValues[option.long ?? ""];
        assert.ok(value !== undefined, `add a valid value of ${option.flags} to mandatoryValues`);
        return [option.long ?? "", value];
      });
      const run = await runHere([...path, ...given, "--no-such-option"], noHub);
      assert.equal(run.code, 2, said(run));
      assert.match(run.stderr, /unknown option '--no-such-option'/, said(run));
      assert.equal(run.stdout, "");
    });

    if (command.commands.length > 0) {
      it(`hooklog ${name} with an unknown subcommand exits 2 saying so`, async () => {
        const run = await runHere([...path, "no-such-command"], noHub);
        assert.equal(run.code, 2, said(run));
        assert.match(run.stderr, /unknown command 'no-such-command'/, said(run));
      });
    }
  }

  it("an unknown option of hooklog itself exits 2 saying so", async () => {
    const run = await runHere(["--no-such-option"], noHub);
    assert.equal(run.code, 2, said(run));
    assert.match(run.stderr, /unknown option '--no-such-option'/);
  });

  it("an unknown command exits 2 saying so", async () => {
    const run = await runHere(["no-such-command"], noHub);
    assert.equal(run.code, 2, said(run));
    assert.match(run.stderr, /unknown command 'no-such-command'/);
    assert.equal(run.stdout, "");
  });

  it("trigger without a source exits 2 with what to do", async () => {
    const run = await runHere(["trigger"], noHub);
    assert.equal(run.code, 2, said(run));
    const lines = run.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, said(run));
    assert.match(lines[0] ?? "", /^hooklog: trigger needs a source/);
    assert.match(lines[1] ?? "", /^hooklog: what to do: .*--list/);
  });
});
