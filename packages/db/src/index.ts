export { connectDatabase } from "./connect.ts";
export type { Knex } from "./connect.ts";
export { migrateLatest, rollbackAll } from "./migrations.ts";
export { runPrepared } from "./prepared.ts";
export type { PreparedStatement } from "./prepared.ts";
export { withConnection } from "./connection.ts";
export type { PgConnection } from "./connection.ts";
export { trySessionLock, withSessionLock } from "./session-lock.ts";
export type { SessionLock } from "./session-lock.ts";
