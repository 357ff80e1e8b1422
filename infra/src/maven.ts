import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { InfraError } from "./errors.ts";
import { infraDir, logFile } from "./paths.ts";
import { step } from "./progress.ts";

/**
 * Runs `mvn package` on one of infra's fetch-only poms. Maven's output goes to a log file;
 * a line is printed every 15 s so a first download of several hundred MB shows it is alive.
 */
export async function runMavenFetch(pomFolder: string, properties: Record<string, string>): Promise<void> {
  const log = logFile(`maven-${pomFolder}`);
  const output = openSync(log, "a");
  const args = ["-B", "--no-transfer-progress", "-f", join(infraDir, pomFolder, "pom.xml"), "package"];
  for (const [name, value] of Object.entries(properties)) args.push(`-D${name}=${value}`);

  const child = spawn("mvn", args, { stdio: ["ignore", output, output] });
  const started = Date.now();
  const ticker = setInterval(
    () => step(`  still fetching ${pomFolder} from Maven Central (${Math.round((Date.now() - started) / 1000)} s, log: ${log})`),
    15_000,
  );

  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (exitCode !== 0) {
      throw new InfraError(
        "MAVEN_FAILED",
        `Maven could not fetch ${pomFolder} (exit ${exitCode}).`,
        `Check that Maven Central is reachable and read ${log}.`,
        log,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InfraError("MAVEN_MISSING", "Maven (mvn) is not on PATH.", "Install Apache Maven 3.8+ (Debian: apt-get install maven).");
    }
    throw error;
  } finally {
    clearInterval(ticker);
    closeSync(output);
  }
}
