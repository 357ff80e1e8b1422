// npm run new:consumer -- <name> [--into <folder>]: a working consumer service under services/<name>
// (or <folder>/<name>) that passes its own test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { TSCONFIG_TEXT, configText, consumerNames, handlerText, mainText, packageJsonText, testText } from "./scaffold-templates.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
/** Where new consumers go unless told otherwise: the workspace's services/ folder. */
export const SERVICES_FOLDER = join(repoRoot, "services");

export function scaffoldFiles(name: string): Record<string, string> {
  const names = consumerNames(name);
  return {
    "package.json": packageJsonText(names),
    "tsconfig.json": TSCONFIG_TEXT,
    "src/config.ts": configText(names),
    "src/handler.ts": handlerText(names),
    "src/main.ts": mainText(names),
    [`test/${name}.test.ts`]: testText(names),
  };
}

/** Writes consumer `name`'s files into `<servicesFolder>/<name>` and returns that folder. */
export function writeScaffold(name: string, servicesFolder: string = SERVICES_FOLDER): string {
  const folder = join(servicesFolder, name);
  for (const [path, content] of Object.entries(scaffoldFiles(name))) {
    mkdirSync(join(folder, path, ".."), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  return folder;
}

function main(args: string[]): void {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { into: { type: "string" } } });
  const [name] = positionals;
  if (!name || positionals.length > 1 || !/^[a-z][a-z0-9-]{1,40}$/.test(name)) {
    console.error("usage: npm run new:consumer -- <name> [--into <folder>]   (name: lower-case letters, digits and '-'; folder: services/ by default)");
    process.exitCode = 2;
    return;
  }
  const servicesFolder = values.into === undefined ? SERVICES_FOLDER : resolve(values.into);
  const folder = join(servicesFolder, name);
  if (existsSync(folder)) {
    console.error(`${folder} exists already: choose another name`);
    process.exitCode = 1;
    return;
  }
  writeScaffold(name, servicesFolder);
  if (servicesFolder !== SERVICES_FOLDER) {
    // Outside the workspace npm install would not link it: its folder's parent needs the workspace's tsconfig.json and node_modules.
    console.log(`created ${folder}; it expects ../../tsconfig.json and a node_modules with the @hooklog packages above it`);
    return;
  }
  console.log(`created services/${name}; linking the workspace (npm install)...`);
  const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: repoRoot, stdio: "inherit" });
  if (installed.status !== 0) console.error("npm install failed: run it yourself before the service's tests");
  console.log(`next: edit services/${name}/src/handler.ts, add the service to docker-compose.yml, and run npm test -w @hooklog/${name} with the stack up`);
}

if (import.meta.main) main(process.argv.slice(2));
