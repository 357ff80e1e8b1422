export { connectDatabase } from "./connect.ts";
export type { Knex } from "./connect.ts";
export { migrateLatest, rollbackAll } from "./migrations.ts";
export { runPrepared } from "./prepared.ts";
export type { PreparedStatement } from "./prepared.ts";
