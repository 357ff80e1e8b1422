// The browser tests drive the machine's own Chromium: a test tool's download of its own browser
// build cannot reach the network here, but Debian's chromium package can be installed.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { InfraError } from "./errors.ts";
import { logFile } from "./paths.ts";
import { step } from "./progress.ts";

export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

const MISSING = "Chromium is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH";

/** What of the machine the decision looks at, injectable so a test decides without touching apt. */
export interface ChromiumMachine {
  exists(path: string): boolean;
  isRoot(): boolean;
  /** Asked only when Chromium is missing and we are not root: it runs `sudo -n true`. */
  hasPasswordlessSudo(): boolean;
  hasAptGet(): boolean;
}

export type ChromiumPlan =
  | { action: "use"; executable: string }
  /** `prefix` is what runs apt-get as root: nothing when we are root, `sudo -n` otherwise. */
  | { action: "install"; executable: string; prefix: string[] }
  | { action: "fail"; error: InfraError };

/** Runs apt-get with `args`, its output appended to `log`; resolves with its exit code. */
export type AptRunner = (prefix: string[], args: string[], log: string) => Promise<number>;

const missing = (hint: string): InfraError => new InfraError("CHROMIUM_MISSING", MISSING, hint);

/** The decision alone: a stat when Chromium is there, so `npm test` pays nothing for it. */
export function planChromium(env: NodeJS.ProcessEnv, machine: ChromiumMachine): ChromiumPlan {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (machine.exists(chosen)) return { action: "use", executable: chosen };
    // Someone chose this browser: installing Debian's instead would hide the wrong path.
    return {
      action: "fail",
      error: missing(`CHROMIUM_PATH is ${chosen}, and nothing is there: point it at a Chromium, or unset it to use ${DEBIAN_CHROMIUM}.`),
    };
  }
  if (machine.exists(DEBIAN_CHROMIUM)) return { action: "use", executable: DEBIAN_CHROMIUM };
  if (!machine.hasAptGet()) return { action: "fail", error: missing("This machine has no apt-get: install a Chromium and set CHROMIUM_PATH to it.") };
  if (machine.isRoot()) return { action: "install", executable: DEBIAN_CHROMIUM, prefix: [] };
  if (machine.hasPasswordlessSudo()) return { action: "install", executable: DEBIAN_CHROMIUM, prefix: ["sudo", "-n"] };
  return { action: "fail", error: missing("Run 'apt-get install chromium' as root (this user can neither install packages nor sudo without a password).") };
}

/** apt-get's words for a package list that is missing or stale, which `apt-get update` cures. */
export function needsPackageLists(aptOutput: string): boolean {
  return /Unable to locate package|has no installation candidate|404\s+Not Found|Failed to fetch/.test(aptOutput);
}

export const thisMachine: ChromiumMachine = {
  exists: existsSync,
  isRoot: () => process.getuid?.() === 0,
  hasPasswordlessSudo: () => spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0,
  hasAptGet: () => existsSync("/usr/bin/apt-get"),
};

export const runApt: AptRunner = async (prefix, args, log) => {
  const output = openSync(log, "a");
  // env, not sudo's own VAR=value, since a sudoers policy may refuse to pass variables on.
  const [command = "env", ...rest] = [...prefix, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args];
  try {
    const child = spawn(command, rest, { stdio: ["ignore", output, output] });
    return await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve(code ?? 1));
    });
  } finally {
    closeSync(output);
  }
};

// Another apt (unattended upgrades, a second test run) may hold dpkg's lock for a while: wait for it rather than fail.
const INSTALL = ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", "chromium"];

async function install(plan: Extract<ChromiumPlan, { action: "install" }>, apt: AptRunner, machine: ChromiumMachine, log: string): Promise<string> {
  const started = performance.now();
  const seconds = (): string => ((performance.now() - started) / 1000).toFixed(0);
  step(`Chromium is missing: installing Debian's chromium package for the browser tests (log: ${log})`);
  const ticker = setInterval(() => step(`  still installing Chromium (${seconds()} s, log: ${log})`), 15_000);
  try {
    const logged = existsSync(log) ? readFileSync(log, "utf8").length : 0;
    let code = await apt(plan.prefix, INSTALL, log);
    if (code !== 0 && needsPackageLists(readFileSync(log, "utf8").slice(logged))) {
      step("  apt's package lists are missing or stale: running apt-get update, then the install again");
      if ((await apt(plan.prefix, ["-o", "DPkg::Lock::Timeout=300", "update"], log)) === 0) code = await apt(plan.prefix, INSTALL, log);
    }
    if (code !== 0 || !machine.exists(plan.executable)) {
      throw new InfraError(
        "CHROMIUM_INSTALL_FAILED",
        `Chromium is missing and apt-get could not install it (exit ${code}).`,
        `Read ${log}, then run 'apt-get install chromium' as root.`,
        log,
      );
    }
    step(`Chromium installed in ${seconds()} s: ${plan.executable}`);
    return plan.executable;
  } finally {
    clearInterval(ticker);
  }
}

/**
 * The Chromium the browser tests drive: CHROMIUM_PATH, else Debian's, installed with apt-get when
 * missing and we may. A Chromium that cannot be had throws at once, before anything else starts,
 * so a run never goes on to skip the browser tests silently.
 */
export function ensureChromium(options: { env?: NodeJS.ProcessEnv; machine?: ChromiumMachine; apt?: AptRunner; log?: string } = {}): Promise<string> {
  const { env = process.env, machine = thisMachine, apt = runApt } = options;
  const plan = planChromium(env, machine);
  if (plan.action === "fail") throw plan.error;
  if (plan.action === "use") return Promise.resolve(plan.executable);
  return install(plan, apt, machine, options.log ?? logFile("chromium-install"));
}
