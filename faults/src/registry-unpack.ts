// infra fetches Apicurio with maven-dependency-plugin's unpack goal, which keeps an "already
// unpacked" marker in infra/registry/target: once one state directory has the registry, the unpack
// into any other is skipped and infra finds an empty folder (REGISTRY_INSTALL_INCOMPLETE). This run
// has a state directory of its own, so it fills that folder itself, asking the plugin to overwrite.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@hooklog/infra";

const hasLauncher = (folder: string): boolean =>
  existsSync(join(folder, "quarkus-run.jar")) || readdirSync(folder).some((name) => name.endsWith("-runner.jar"));

/** Unpacks every registry version folder under `stateDir` that infra left without a launcher; false when there was none. */
export async function unpackEmptyRegistryFolders(stateDir: string): Promise<boolean> {
  const dist = join(stateDir, "registry", "dist");
  if (!existsSync(dist)) return false;
  const empty = readdirSync(dist).filter((version) => !hasLauncher(join(dist, version)));
  for (const version of empty) {
    const args = ["-B", "-q", "--no-transfer-progress", "-f", join(repoRoot, "infra", "registry", "pom.xml"), "package"];
    args.push(`-Dapicurio.version=${version}`, `-Doutput.dir=${join(dist, version)}`, "-Dmdep.overWriteReleases=true");
    const child = spawn("mvn", args, { stdio: ["ignore", "ignore", "inherit"] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0 || !hasLauncher(join(dist, version)))
      throw new Error(`mvn could not unpack Apicurio Registry ${version} into ${join(dist, version)} (exit ${code})`);
  }
  return empty.length > 0;
}
