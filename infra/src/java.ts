import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "./errors.ts";

export interface JavaRuntime {
  executable: string;
  major: number;
}

function probe(executable: string): JavaRuntime | undefined {
  const result = spawnSync(executable, ["-XshowSettings:properties", "-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  const match = /java\.specification\.version = (\d+)/.exec(result.stderr);
  return match?.[1] ? { executable, major: Number(match[1]) } : undefined;
}

function candidates(preferredHomes: readonly (string | undefined)[]): string[] {
  const homes = preferredHomes.filter((home): home is string => Boolean(home));
  const jvmRoot = "/usr/lib/jvm";
  const installed = existsSync(jvmRoot) ? readdirSync(jvmRoot).map((name) => join(jvmRoot, name)) : [];
  const executables = [...homes, ...installed].map((home) => join(home, "bin", "java"));
  return [...new Set([...executables.filter((path) => existsSync(path)), "java"])];
}

/** The first Java at least `minimumMajor`, looking at the given homes, JAVA_HOME, /usr/lib/jvm, then PATH. */
export function findJava(minimumMajor: number, preferredHomes: readonly (string | undefined)[] = []): JavaRuntime | undefined {
  for (const executable of candidates([...preferredHomes, process.env.JAVA_HOME])) {
    const runtime = probe(executable);
    if (runtime && runtime.major >= minimumMajor) return runtime;
  }
  return undefined;
}

export function requireJava(minimumMajor: number, forWhat: string): JavaRuntime {
  const runtime = findJava(minimumMajor);
  if (!runtime) {
    throw new InfraError(
      "JAVA_MISSING",
      `${forWhat} needs Java ${minimumMajor} or newer, and none was found (JAVA_HOME, /usr/lib/jvm, PATH).`,
      `Install a JDK ${minimumMajor}+ (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.`,
    );
  }
  return runtime;
}
